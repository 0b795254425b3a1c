"""`flask demo` for recognition: the organisation's five values and three months of kudos.

Deterministic (a seeded random generator) and idempotent: values are added when missing, and the
kudos history is made only when there is no kudos yet. Kudos go through the real services, so
budgets, caps and badges follow the rules.
"""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from core.clock import org_timezone, utcnow
from core.demo import DEMO_PEOPLE
from core.errors import DomainError
from core.extensions import db
from core.models import Person
from recognition import services
from recognition.models import BadgeAward, Kudos

SEED = 2026
DAYS = 91

# slug, English name, Chinese name, English description, Chinese description
DEMO_VALUES = [
    ("customer-first", "Customer first", "客户至上",
     "Owned the customer's problem until it was solved, not just until the call ended.",
     "把客户的问题当成自己的问题，直到真正解决，而不只是到通话结束。"),
    ("helped-a-teammate", "Helped a teammate", "帮助队友",
     "Gave time, knowledge or cover so that a colleague could succeed.",
     "花时间、分享经验或主动补位，帮助同事把事情做成。"),
    ("took-the-hard-call", "Took the hard call", "迎难而上",
     "Took on the difficult contact, the angry customer or the complex case instead of passing it on.",
     "主动接下难缠的来电、情绪激动的客户或复杂的案例，而不是推给别人。"),
    ("raised-a-problem-early", "Raised a problem early", "及早预警",
     "Spotted a problem and raised it before it reached many customers.",
     "及早发现问题并上报，没让它影响到更多客户。"),
    ("calm-under-pressure", "Calm under pressure", "临危不乱",
     "Stayed calm, kind and precise when the queue, the customer or the systems were not.",
     "在排队爆满、客户激动或系统故障时依然冷静、友善、准确。"),
]

MESSAGES = {
    "customer-first": {
        "en": [
            "You stayed with the customer whose refund failed three times, found the wrong bank code and "
            "fixed it in one call.",
            "You called the elderly customer back after your shift to confirm her new router was online.",
            "Instead of closing the ticket, you checked the customer's other two orders and caught the same "
            "address error on both.",
            "You explained the billing change in plain words and the customer thanked you twice on the "
            "survey.",
            "You arranged the replacement phone to be delivered to the hospital where the customer was "
            "staying.",
        ],
        "zh": [
            "客户的退款失败了三次，你一直跟进，找到了银行代码错误，一次通话就解决了。",
            "下班后你又回拨给那位老年客户，确认她的新路由器已经正常上网。",
            "你没有直接关单，而是检查了客户的另外两个订单，发现并改正了同样的地址错误。",
            "你用通俗的话讲清楚了账单变化，客户在满意度调查里特意感谢了你两次。",
            "你协调把备用手机直接送到了客户住院的医院，客户非常感动。",
        ],
    },
    "helped-a-teammate": {
        "en": [
            "You sat with the new starter for the whole afternoon and walked her through every refund "
            "screen.",
            "You wrote up the workaround for the payment-portal error and shared it with the team before "
            "lunch.",
            "You took over the callback queue so that a teammate could leave early for his child's school "
            "event.",
            "You recorded a two-minute guide on the new CRM search and it saved everyone time this week.",
            "You quietly double-checked a colleague's complex order and spotted the wrong tariff before it "
            "went out.",
        ],
        "zh": [
            "你整个下午都陪着新同事，一步一步带她熟悉退款系统的每个界面。",
            "你把支付页面报错的临时解决办法整理成文档，午饭前就分享给了全组。",
            "你主动接下回访队列，让同事能早点去参加孩子的家长会。",
            "你录了一个两分钟的新CRM搜索教程，这周帮大家节省了不少时间。",
            "你帮同事复核了一个复杂订单，在发出前发现了资费套餐选错的问题。",
        ],
    },
    "took-the-hard-call": {
        "en": [
            "You took the escalated complaint nobody wanted and turned a furious customer into a calm one in "
            "twenty minutes.",
            "You handled the bereavement call with real care and closed the account without asking her to "
            "repeat anything.",
            "When the customer threatened to go to the regulator, you listened, apologised and found the "
            "missing credit.",
            "You volunteered for the overnight outage line and kept every caller informed with honest "
            "updates.",
            "You took the three-way call with the bank and the customer and sorted the duplicate charge "
            "for good.",
        ],
        "zh": [
            "你接下了没人愿意接的升级投诉，二十分钟就让一位非常生气的客户平静下来。",
            "你用心处理了那通家属销户来电，没有让她重复说任何一件事就办好了。",
            "客户说要投诉到监管部门时，你耐心倾听、真诚道歉，并找回了漏掉的返还金额。",
            "你主动报名值守系统故障的夜间专线，一直如实向每位来电客户通报进展。",
            "你和银行、客户三方通话，彻底解决了重复扣款的问题。",
        ],
    },
    "raised-a-problem-early": {
        "en": [
            "You noticed three calls about the same delivery delay within an hour and told the lead before "
            "the "
            "queue exploded.",
            "You spotted that the new SMS template had the wrong hotline number and got it pulled the same "
            "morning.",
            "You flagged the app login error from the first two callers, so IT fixed it before lunch.",
            "You raised that the promotion price was not showing in the billing system before any customer "
            "was overcharged.",
            "You reported the knowledge-base article with the old return policy and it was corrected that "
            "day.",
        ],
        "zh": [
            "你在一小时内接到三通同样的延迟配送来电，立刻告诉组长，避免了排队暴涨。",
            "你发现新的短信模板里热线号码写错了，当天上午就让它下线修改。",
            "前两位客户反馈App登录报错时你就上报了，IT在午饭前修好了问题。",
            "你及早指出促销价没有同步到计费系统，没有一位客户被多收费。",
            "你上报了知识库里过时的退货政策文章，当天就更正了。",
        ],
    },
    "calm-under-pressure": {
        "en": [
            "During the system outage you kept a queue of forty callers informed and never lost your "
            "patience.",
            "You stayed kind and precise with a shouting customer and still got the order right first time.",
            "On the busiest day of the sale you handled back-to-back calls and kept every note complete.",
            "When the phones went down you switched to chat support in two minutes and kept the team going.",
            "You calmly guided the customer through a fraud check while she was panicking about her account.",
        ],
        "zh": [
            "系统故障期间你向排队的四十位客户持续通报进展，始终保持耐心。",
            "面对大声吼叫的客户，你依然友善、准确，一次就把订单处理对了。",
            "大促最忙的那天你连续接听来电，每一条备注都记录得完整清楚。",
            "电话系统宕机时你两分钟内就切换到在线客服，带着大家继续服务。",
            "客户因为账户异常非常慌张，你冷静地引导她完成了反欺诈核验。",
        ],
    },
}

COMMENTS = {
    "en": ["Well deserved!", "Thank you, that means a lot.", "Great catch.", "Learned a lot from this one.",
           "This is how it's done.", "Agreed, brilliant work."],
    "zh": ["实至名归！", "谢谢，很受鼓舞。", "发现得太及时了。", "从这件事学到了很多。", "这就是榜样！",
           "同意，干得漂亮。"],
}


def _language(person: Person) -> str:
    return "zh" if (person.locale or "").startswith("zh") else "en"


def load_values() -> int:
    """Add the five demo values that are missing; returns how many were added."""
    added = 0
    for position, (slug, name_en, name_zh, description_en, description_zh) in enumerate(DEMO_VALUES, 1):
        if services.value_by_slug(slug) is None:
            services.create_value(slug, name_en=name_en, name_zh=name_zh, description_en=description_en,
                                  description_zh=description_zh, position=position, actor=None)
            added += 1
    return added


def _moment(rng: random.Random, day, person: Person) -> datetime:
    """A working-hours moment of that day in the person's team's time zone, as UTC."""
    zone = ZoneInfo(person.team.timezone) if person.team else org_timezone()
    local = datetime.combine(day, time(9, 0), tzinfo=zone) + timedelta(minutes=rng.randint(0, 8 * 60))
    return local.astimezone(timezone.utc)


def load_kudos(now: datetime, rng: random.Random) -> int:
    """Three months of kudos with reactions and comments; returns how many were given."""
    people = db.session.execute(
        select(Person).where(Person.username.in_([p[0] for p in DEMO_PEOPLE]), Person.active.is_(True))
    ).scalars().all()
    people = sorted(people, key=lambda p: p.username)
    in_team = [p for p in people if p.team is not None]
    values = [services.require_value(v[0]) for v in DEMO_VALUES]
    events = []
    today = now.astimezone(org_timezone()).date()
    for offset in range(DAYS, -1, -1):
        day = today - timedelta(days=offset)
        if day.weekday() >= 5 and rng.random() < 0.7:
            continue
        for _ in range(rng.randint(2, 6)):
            giver = rng.choice(people)
            events.append((_moment(rng, day, giver), giver))
    events = sorted((e for e in events if e[0] <= now - timedelta(minutes=15)), key=lambda e: e[0])

    given = 0
    for moment, giver in events:
        mates = [p for p in in_team if p.team_id == giver.team_id and p.id != giver.id] if giver.team else []
        team = None
        if giver.has_role("supervisor") and giver.supervised_teams and rng.random() < 0.08:
            team, recipients = rng.choice(giver.supervised_teams), []
        elif mates and rng.random() < 0.8:
            recipients = rng.sample(mates, 1 if rng.random() < 0.8 else 2)
        else:
            recipients = [rng.choice([p for p in in_team if p.id != giver.id])]
        value = rng.choice(values)
        lang = _language(giver)
        message = rng.choice(MESSAGES[value.slug][lang])
        points = rng.choice((0, 5, 5, 10, 10, 15)) * (2 if giver.has_role("supervisor") else 1)
        try:
            # A broken rule is raised before anything but the giver's spend row is written.
            kudos = services.give_kudos(giver, value, message, points, recipients=recipients, team=team,
                                        now=moment)
        except DomainError:
            continue
        given += 1
        _react_and_comment(kudos, rng, [p for p in in_team if p.team_id == (kudos.team_id or
                                        kudos.recipients[0].person.team_id)], moment)
    return given


def _react_and_comment(kudos: Kudos, rng: random.Random, audience: list[Person], moment: datetime) -> None:
    fans = rng.sample(audience, min(len(audience), rng.randint(0, 5)))
    for fan in fans:
        services.react(kudos, fan, now=moment + timedelta(minutes=rng.randint(1, 120)))
    if rng.random() < 0.25:
        author = kudos.recipients[0].person if rng.random() < 0.6 or not fans else fans[0]
        services.add_comment(kudos, author, rng.choice(COMMENTS[_language(author)]),
                             now=moment + timedelta(minutes=rng.randint(5, 240)))


def load_recognition_demo() -> list[str]:
    """Values, then (once) three months of kudos; returns lines for `flask demo` to print."""
    added = load_values()
    db.session.flush()
    lines = [f"Values: {len(DEMO_VALUES)} ({added} new)."]
    if db.session.execute(select(func.count()).select_from(Kudos)).scalar_one():
        return lines + ["Kudos: already loaded."]
    given = load_kudos(utcnow(), random.Random(SEED))
    badges = db.session.execute(select(func.count()).select_from(BadgeAward)).scalar_one()
    return lines + [f"Kudos: {given} over {DAYS} days, with reactions, comments and {badges} badges."]
