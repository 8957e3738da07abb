"""Donations writes. Each function validates, changes the session and raises a
DomainError; none commits. The gift's life (gifts) and who pays for it (payers) are
exposed here; the donor's own area (donors) and the funds' spending (spending) are
modules of their own."""

from donations.services.gifts import (
    GENERAL_FUND,
    AfterCommit,
    GiftRequest,
    add_or_find_donation,
    close_dispute,
    fail_donation,
    fulfil_donation,
    get_donation,
    get_fund,
    get_gift_item,
    locked_donation,
    mark_disputed,
    note_payment_ids,
    parse_amount,
    record_refund,
    reissue_receipt,
    settle_receipt,
    start_donation,
    start_monthly_gift,
)
from donations.services.payers import (
    ADDRESS_FIELDS,
    Contact,
    Payment,
    follow_email_change,
    keep_collected_details,
    locked_donor,
    tidy_contact,
)

__all__ = [
    "ADDRESS_FIELDS",
    "GENERAL_FUND",
    "AfterCommit",
    "Contact",
    "GiftRequest",
    "Payment",
    "add_or_find_donation",
    "close_dispute",
    "fail_donation",
    "follow_email_change",
    "fulfil_donation",
    "get_donation",
    "get_fund",
    "get_gift_item",
    "keep_collected_details",
    "locked_donation",
    "locked_donor",
    "mark_disputed",
    "note_payment_ids",
    "parse_amount",
    "record_refund",
    "reissue_receipt",
    "settle_receipt",
    "start_donation",
    "start_monthly_gift",
    "tidy_contact",
]
