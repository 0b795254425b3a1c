"""The demo organisation's people and teams; areas add their own data through ``core.hooks``."""
from __future__ import annotations

from werkzeug.security import generate_password_hash

from core import services
from core.extensions import db
from core.models import Person

DEMO_PASSWORD = "bravo-demo"

# site, team, time zone, supervisor username
DEMO_TEAMS = [
    ("Shanghai", "Shanghai Care 1", "Asia/Shanghai", "supervisor"),
    ("Shanghai", "Shanghai Care 2", "Asia/Shanghai", "liu.yang"),
    ("London", "London Billing", "Europe/London", "emma.clarke"),
    ("London", "London Tech Support", "Europe/London", "oliver.hughes"),
]

# username, name, role, team index (None: no team), locale
DEMO_PEOPLE = [
    ("admin", "陈静 Chen Jing", "admin", None, "zh_Hans_CN"),
    ("manager", "周敏 Zhou Min", "manager", None, "zh_Hans_CN"),
    ("sarah.mitchell", "Sarah Mitchell", "manager", None, "en"),
    ("supervisor", "王芳 Wang Fang", "supervisor", 0, "zh_Hans_CN"),
    ("liu.yang", "刘洋 Liu Yang", "supervisor", 1, "zh_Hans_CN"),
    ("emma.clarke", "Emma Clarke", "supervisor", 2, "en"),
    ("oliver.hughes", "Oliver Hughes", "supervisor", 3, "en"),
    ("agent", "张三 Zhang San", "agent", 0, "zh_Hans_CN"),
    ("li.na", "李娜 Li Na", "agent", 0, "zh_Hans_CN"),
    ("zhao.lei", "赵磊 Zhao Lei", "agent", 0, "zh_Hans_CN"),
    ("sun.li", "孙丽 Sun Li", "agent", 0, "zh_Hans_CN"),
    ("zhou.jie", "周杰 Zhou Jie", "agent", 0, "zh_Hans_CN"),
    ("wu.ting", "吴婷 Wu Ting", "agent", 0, "zh_Hans_CN"),
    ("zheng.hao", "郑浩 Zheng Hao", "agent", 0, "zh_Hans_CN"),
    ("huang.mei", "黄梅 Huang Mei", "agent", 0, "zh_Hans_CN"),
    ("xu.bo", "徐波 Xu Bo", "agent", 0, "zh_Hans_CN"),
    ("ma.xiaoyu", "马晓雨 Ma Xiaoyu", "agent", 1, "zh_Hans_CN"),
    ("hu.jun", "胡军 Hu Jun", "agent", 1, "zh_Hans_CN"),
    ("guo.jing", "郭静 Guo Jing", "agent", 1, "zh_Hans_CN"),
    ("he.qiang", "何强 He Qiang", "agent", 1, "zh_Hans_CN"),
    ("lin.xue", "林雪 Lin Xue", "agent", 1, "zh_Hans_CN"),
    ("luo.peng", "罗鹏 Luo Peng", "agent", 1, "zh_Hans_CN"),
    ("gao.yan", "高燕 Gao Yan", "agent", 1, "zh_Hans_CN"),
    ("liang.chen", "梁晨 Liang Chen", "agent", 1, "zh_Hans_CN"),
    ("song.yu", "宋宇 Song Yu", "agent", 1, "en"),
    ("james.wilson", "James Wilson", "agent", 2, "en"),
    ("amelia.brown", "Amelia Brown", "agent", 2, "en"),
    ("harry.taylor", "Harry Taylor", "agent", 2, "en"),
    ("isla.davies", "Isla Davies", "agent", 2, "en"),
    ("george.evans", "George Evans", "agent", 2, "en"),
    ("mia.thomas", "Mia Thomas", "agent", 2, "en"),
    ("priya.patel", "Priya Patel", "agent", 2, "en"),
    ("chen.wei", "陈伟 Chen Wei", "agent", 2, "zh_Hans_CN"),
    ("noah.roberts", "Noah Roberts", "agent", 3, "en"),
    ("ava.johnson", "Ava Johnson", "agent", 3, "en"),
    ("jack.walker", "Jack Walker", "agent", 3, "en"),
    ("sophie.wright", "Sophie Wright", "agent", 3, "en"),
    ("leo.green", "Leo Green", "agent", 3, "en"),
    ("grace.hall", "Grace Hall", "agent", 3, "en"),
    ("yang.fan", "杨帆 Yang Fan", "agent", 3, "zh_Hans_CN"),
    ("tom.baker", "Tom Baker", "agent", 3, "en"),
]


def load_core_demo() -> list[str]:
    """Create the demo sites, teams and people that do not exist yet; returns lines to print."""
    password_hash = generate_password_hash(DEMO_PASSWORD)
    teams = []
    for site, name, timezone, _supervisor in DEMO_TEAMS:
        team = services.team_by_name(name) or services.create_team(name, site=site, timezone=timezone)
        teams.append(team)
    for username, name, role, team_index, locale in DEMO_PEOPLE:
        if services.person_by_username(username) is not None:
            continue
        person = services.create_person(
            username, name, f"{username}@example.com", role,
            team=teams[team_index] if team_index is not None else None, locale=locale,
        )
        person.password_hash = password_hash
    services.refresh_search_texts()  # people from before the search column was filled
    db.session.flush()
    for team, (_site, _name, _tz, supervisor) in zip(teams, DEMO_TEAMS):
        if not team.supervisors:
            services.set_team_supervisors(team, [services.require_person(supervisor)], actor=None)
    for manager, site_name in (("manager", "Shanghai"), ("sarah.mitchell", "London")):
        person = services.require_person(manager)
        site = services.site_named(site_name)
        if site not in person.managed_sites:
            person.managed_sites.append(site)
    return [f"Demo organisation ready: {len(DEMO_TEAMS)} teams, {len(DEMO_PEOPLE)} people."]


SIGN_IN_LINES = [
    f"Sign in at http://127.0.0.1:5000 with password '{DEMO_PASSWORD}' as:",
    "  admin (admin), manager (manager), supervisor (supervisor), agent (agent)",
]
