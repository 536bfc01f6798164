"""What scheduling tells other domains: named blinker signals, sent by the booking operations
(booking.py) once the change is flushed, inside its transaction, so whatever a receiver writes
commits or rolls back with the booking. Scheduling does not know who listens: create_app
connects the receivers (register_signal_receivers). Each is sent with the booking as sender.
"""

from blinker import Namespace

signals = Namespace()

# A visit was booked (online, through the API or at the desk). Keywords: ``now``.
booking_made = signals.signal("booking-made")
# A visit moved to another time, perhaps with another practitioner. Keywords: ``now``, and
# ``previous_start`` and ``previous_practitioner_id``: the time it left.
booking_moved = signals.signal("booking-moved")
# A visit was cancelled, by the patient or the clinic. Keywords: ``now``.
booking_cancelled = signals.signal("booking-cancelled")
