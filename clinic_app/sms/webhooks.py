"""Twilio's two webhooks: a text from a patient (POST /sms/incoming) and a delivery report
for one of ours (POST /sms/status). Both are refused (403) unless X-Twilio-Signature is the
signature of this URL, as Twilio called it (built from PUBLIC_URL: behind a proxy the request's
own URL differs), and its parameters, by our auth token (twilio.request_validator)."""

from __future__ import annotations

from flask import abort, current_app, request
from sqlalchemy import select, update
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from clinic_app import clock
from clinic_app.extensions import begin_serialised_transaction, csrf, db
from clinic_app.notifications.links import public_url
from clinic_app.notifications.models import Channel, OutboxMessage, TextReply
from clinic_app.notifications.rules import reply_keyword
from clinic_app.notifications.texts import accept_texts_to, refuse_texts_to
from clinic_app.patients.rules import InvalidPhoneNumber, phone_for_texts
from clinic_app.scheduling.texts import cancel_by_text, confirm_by_text
from clinic_app.sms import bp

# Delivery states Twilio reports (a later one never goes back to an earlier one).
DELIVERY_STATES = ("accepted", "queued", "sending", "sent", "delivered", "undelivered", "failed", "read")
HELP_TEXT = ("Back Solution clinics: visit and exercise reminders. Reply STOP to stop, START to start again. "
             "Call your clinic for help.")
STOPPED_TEXT = "You will get no more texts from Back Solution. Reply START to get them again."
STARTED_TEXT = "Back Solution texts are on again for this number. Reply STOP to stop, HELP for help."
UNKNOWN_TEXT = "Reply C to confirm your visit, X to cancel it, HELP for help or STOP to stop texts."


@bp.post("/incoming")
@csrf.exempt
def incoming():
    _check_signature("sms.incoming")
    try:
        phone = phone_for_texts(request.form.get("From", ""))
    except InvalidPhoneNumber:
        return _reply("")
    sid, body = request.form.get("MessageSid", ""), request.form.get("Body", "")
    begin_serialised_transaction()
    seen = db.session.scalar(select(TextReply).where(TextReply.provider_message_id == sid)) if sid else None
    if seen is not None:  # Twilio delivered this reply again: it acted once, it answers the same
        db.session.rollback()
        return _reply(seen.answer)
    now, keyword = clock.utcnow(), reply_keyword(body)
    answer, booking_id = _answer(keyword, phone, now)
    db.session.add(TextReply(provider_message_id=sid or None, phone=phone, body=body[:320], keyword=keyword,
                             booking_id=booking_id, answer=answer[:320], received_at=now))
    db.session.commit()
    return _reply(answer)


def _answer(keyword: str, phone: str, now) -> tuple[str, int | None]:
    """What the reply does, and the visit it acted on (C and X)."""
    if keyword == "stop":
        refuse_texts_to(phone, now)
        return STOPPED_TEXT, None
    if keyword == "start":
        accept_texts_to(phone)
        return STARTED_TEXT, None
    if keyword == "help":
        return HELP_TEXT, None
    if keyword == "confirm":
        return confirm_by_text(phone, now)
    if keyword == "cancel":
        return cancel_by_text(phone, now)
    return UNKNOWN_TEXT, None


@bp.post("/status")
@csrf.exempt
def status():
    _check_signature("sms.status")
    state = request.form.get("MessageStatus", "")
    sid = request.form.get("MessageSid", "")
    if state in DELIVERY_STATES and sid:
        db.session.execute(update(OutboxMessage)
                           .where(OutboxMessage.channel == Channel.SMS, OutboxMessage.provider_message_id == sid)
                           .values(delivery_status=state))
        db.session.commit()
    return "", 204


def _check_signature(endpoint: str) -> None:
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature or not RequestValidator(token).validate(
            public_url(endpoint), request.form.to_dict(), signature):
        abort(403)


def _reply(text: str):
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response), 200, {"Content-Type": "text/xml; charset=utf-8"}
