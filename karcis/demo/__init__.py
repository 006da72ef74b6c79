"""The demo organisation that `make run` loads: PT Nusantara Digital, an internet provider
with three teams, eight staff, ~200 customers and 60 days of tickets (see builder.py). Built
through each domain's services, as the product itself would build it."""
