"""Flask extensions, created unbound and initialised in :func:`core.create_app`."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from core.db import Base



class BravoApi(Api):
    """flask-smorest's Api, minus its app-wide error handler: pages keep their HTML errors."""

    def _register_error_handlers(self) -> None:
        pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
api = BravoApi()
