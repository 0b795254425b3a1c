"""/api/v1 digest endpoints: the caller's next digest, and the chat webhooks (admins)."""
from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user

from core import access
from core.api import ApiBlueprint, keyset_page
from core.api.schemas import ListArgsSchema
from core.clock import utcnow
from core.extensions import db
from core.services import require_team
from digests import dispatch, services
from digests.models import Webhook
from digests.queries import all_webhooks
from digests.schemas import PreviewArgsSchema, PreviewSchema, WebhookCreateSchema, WebhookPageSchema, WebhookSchema

blp = ApiBlueprint("digests_api", __name__, description="Digest previews and chat webhooks")


@blp.route("/digests/preview")
@blp.arguments(PreviewArgsSchema, location="query")
@blp.response(200, PreviewSchema)
def preview(args):
    """Your next digest of a kind (``team``, ``personal``, ``supervisor``) as it stands now."""
    return dispatch.preview(current_user, args["kind"], now=utcnow())


@blp.route("/webhooks")
class Webhooks(MethodView):
    @access.role_required("admin")
    @blp.arguments(ListArgsSchema, location="query")
    @blp.response(200, WebhookPageSchema)
    def get(self, args):
        """Chat webhooks (admin), oldest first."""
        items, next_cursor = keyset_page(all_webhooks().order_by(None), Webhook.id, limit=args["limit"],
                                         cursor=args["cursor"])
        return {"items": items, "next": next_cursor}

    @access.role_required("admin")  # before the body is parsed: a wrong role is 403, not 400
    @blp.arguments(WebhookCreateSchema)
    @blp.response(201, WebhookSchema)
    def post(self, data):
        """Add a chat webhook (admin): a team's (or, without ``team``, every team's) wins digests and
        award announcements are posted there; ``secret`` signs DingTalk and Feishu posts."""
        team = require_team(data["team"]) if data["team"] else None
        webhook = services.create_webhook(data["url"], data["format"], team=team, secret=data["secret"],
                                          actor=current_user)
        db.session.commit()
        return webhook


@blp.route("/webhooks/<int:webhook_id>", methods=["DELETE"])
@access.role_required("admin")
@blp.response(204)
def delete_webhook(webhook_id):
    """Remove a chat webhook (admin)."""
    services.delete_webhook(services.require_webhook(webhook_id), actor=current_user)
    db.session.commit()
