"""Flask extensions, created unbound and initialised in create_app()."""

from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

from flask_babel import Babel
from flask_compress import Compress
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, Table, orm
from sqlalchemy.orm import DeclarativeBase, scoped_session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        # Each model maps a table (none a join or a select), which Core statements take.
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:
    # Flask-SQLAlchemy makes db.Model at run time from Base's body; a type checker cannot
    # take a class made that way as a base (python/mypy#8603), so it is shown Base.
    Model = Base
else:
    Model = db.Model

# What services, queries and the ledger take: a SQLAlchemy session, or db.session, the
# scoped session that stands for the request's session and has the same methods.
Session: TypeAlias = orm.Session | scoped_session[Any]
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()
limiter = Limiter(key_func=get_remote_address)
api = Api()
mailman = Mail()
compress = Compress()
