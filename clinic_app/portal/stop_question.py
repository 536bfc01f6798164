"""The "why did you stop?" link from an e-mail: one question, no sign-in (the token is the key)."""

from __future__ import annotations

from flask import abort, render_template

from clinic_app import clock
from clinic_app.adherence.stop_forms import StopQuestionForm
from clinic_app.adherence.stop_questions import answer_why_stopped, question_for_token
from clinic_app.errors import ValidationFailed
from clinic_app.extensions import db
from clinic_app.portal import bp


@bp.route("/why-stopped/<token>", methods=["GET", "POST"])
def stop_question(token: str):
    question = question_for_token(token) or abort(404)
    form = StopQuestionForm()
    if not form.is_submitted():
        return render_template("portal/stop_question.html", form=form, question=question)
    if not form.validate():
        return render_template("portal/stop_question.html", form=form, question=question), 422
    try:
        answer_why_stopped(question, form.answer(), clock.utcnow())
    except ValidationFailed as error:
        form.populate_errors(error)
        return render_template("portal/stop_question.html", form=form, question=question), 422
    db.session.commit()
    return render_template("portal/stop_question.html", form=None, question=question)
