"""What the clinics domain tells others: named blinker signals, connected in create_app
(register_signal_receivers), so that the clinics domain never imports those who listen."""

from blinker import Namespace

signals = Namespace()

# A patient searched for the nearest clinics (page or API). Sender: the searched place (a
# geo.geocoding.Place). Keywords: ``nearest_open_miles`` (None when no clinic is open),
# ``service_radius_miles`` and ``now``. Demand records an anonymous point of it.
nearest_searched = signals.signal("nearest-searched")
