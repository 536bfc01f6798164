"""What adherence tells others: named blinker signals, connected in create_app
(register_signal_receivers).

No receiver today. The figures derived from check-ins (network reporting's per-day effects and
each programme's last exercised day) are kept by flush hooks instead (reporting/projections/):
those see every write of a check-in, by any operation or a delete by cascade, inside the same
flush, where a signal sees only the operations that send it."""

from blinker import Namespace

signals = Namespace()

# A patient saved a day's check-in, new or changed. Sender: the ExerciseCheckIn, flushed.
# Keywords: ``now``.
check_in_saved = signals.signal("check-in-saved")
