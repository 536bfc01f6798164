"""Charts drawn on the server as SVG: no script, nothing inline that the Content Security
Policy would refuse, and they print. Each is a Chart: the picture, its text alternative and its
data as a table (shown under a toggle and offered as CSV by the page that draws it).
Why this way and not a JavaScript library: README.md, "Charts"."""
