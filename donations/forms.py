"""The donation form and the donor area's forms. Amount, contact and receipt rules are
checked by donations.services, so the page, the demo and the tests share one set of
rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import choices_from
from app.labels import choices_of
from donations.models import Frequency

COUNTRIES = {
    "FR": _l("France"),
    "BE": _l("Belgium"),
    "CH": _l("Switzerland"),
    "LU": _l("Luxembourg"),
    "DE": _l("Germany"),
    "ES": _l("Spain"),
    "IT": _l("Italy"),
    "NL": _l("Netherlands"),
    "GB": _l("United Kingdom"),
}


class GiveForm(FlaskForm):
    gift_item = RadioField(_l("What your gift pays for"), choices=[], validate_choice=False)
    amount = StringField(_l("Amount in euros"), validators=[Optional(), Length(max=20)])
    frequency = RadioField(
        _l("How often"),
        choices=choices_of(Frequency),
        default=Frequency.ONCE.value,
    )
    email = StringField(_l("Email"), validators=[Length(max=254)])
    name = StringField(_l("First name and surname"), validators=[Length(max=200)])
    address_line1 = StringField(_l("Address"), validators=[Length(max=200)])
    address_line2 = StringField(_l("Address (continued)"), validators=[Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[Length(max=20)])
    city = StringField(_l("City"), validators=[Length(max=120)])
    country = SelectField(_l("Country"), choices=choices_from(COUNTRIES), default="FR")
    no_receipt = BooleanField(_l("No tax receipt, thanks"))
    hide_name = BooleanField(_l("Do not show my name publicly"), default=True)
    consent_contact = BooleanField(_l("You may write to me about Relais' work"))


RECEIPT_CHOICES = {
    "yearly": _l("One receipt a year, early the next year, for all my monthly payments"),
    "each": _l("A receipt after each monthly payment"),
}


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ReceiptPreferenceForm(FlaskForm):
    receipts = RadioField(
        _l("Tax receipts for my monthly gift"),
        choices=choices_from(RECEIPT_CHOICES),
        validators=[DataRequired()],
    )


class DetailsForm(FlaskForm):
    """The name and postal address printed on the donor's tax receipts, as the donation
    page asks for them."""

    name = GiveForm.name
    address_line1 = GiveForm.address_line1
    address_line2 = GiveForm.address_line2
    postcode = GiveForm.postcode
    city = GiveForm.city
    country = GiveForm.country


class DemoCheckoutForm(FlaskForm):
    """The demo gateway's page: pay, or decline."""

    outcome = StringField()


class StopMonthlyForm(FlaskForm):
    gift_id = StringField(default="")


class FuelFundForm(FlaskForm):
    fund = StringField()
    pays_for_fuel = StringField()


class ConfirmForm(FlaskForm):
    """A button that acts only once the person said yes."""

    confirm = StringField()
