"""What the rollout tells others: named blinker signals, connected in create_app
(register_signal_receivers), so that opening a clinic does not import those who act on it."""

from blinker import Namespace

signals = Namespace()

# A clinic opened to patients at the end of its rollout (opening.py). Sender: the clinic.
# Keywords: ``now`` and ``radius_miles`` (the service radius). Each receiver returns how many
# people it will tell (the head-office page says so): the announcements claim their e-mails.
clinic_opened = signals.signal("clinic-opened")
