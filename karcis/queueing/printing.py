"""A queue ticket on a receipt printer that speaks ESC/POS over the network (port 9100).

The kiosk prints from the browser by default; an office that has a network receipt printer
configures its address, and the ticket goes there instead.

The whole ticket is first composed in memory (python-escpos's ``Dummy`` printer), then sent
in one write: a ticket that fails to compose prints nothing, and one timeout bounds both the
connection and the sending.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from django.utils.translation import gettext as _
from escpos.printer import Dummy

# The number fills the paper: 4× width and height fits "A-012" on 58 mm rolls as on 80 mm.
NUMBER_SCALE = 4
# Module size of the QR code in dots: about 2 cm across for a short URL, easy for a phone.
QR_MODULE_DOTS = 6


@dataclass(frozen=True)
class TicketPrint:
    """What a printed queue ticket says, already in the kiosk's language."""

    organisation: str  # the office: "RSUD Cempaka Putih"
    service: str  # "Poli Umum"
    number: str  # "A-012", printed big
    issued: str  # "Senin, 6 Januari 2025 08.15"
    ahead: str  # "3 orang di depan Anda"
    status_url: str  # the ticket's status page, printed as a QR code
    footer: str = ""  # "Harap menunggu panggilan"


class PrinterError(Exception):
    """The ticket could not be sent to the printer; ``str(error)`` says why, for staff."""


def ticket_escpos(lines: TicketPrint) -> bytes:
    """The ESC/POS commands that print ``lines`` and cut the paper."""
    printer = Dummy()
    printer.hw("INIT")
    printer.set(align="center", bold=True)
    printer.textln(lines.organisation)
    printer.set(bold=False)
    printer.textln(lines.service)
    printer.ln()
    printer.set(custom_size=True, width=NUMBER_SCALE, height=NUMBER_SCALE, bold=True)
    printer.textln(lines.number)
    printer.set(normal_textsize=True, bold=False)
    printer.ln()
    printer.textln(lines.issued)
    printer.textln(lines.ahead)
    # Native: the printer draws the code itself (GS ( k), sharper and far smaller to send
    # than a bitmap. Centred by the alignment set above.
    printer.qr(lines.status_url, native=True, size=QR_MODULE_DOTS)
    if lines.footer:
        printer.textln(lines.footer)
    printer.cut()
    return bytes(printer.output)


def print_ticket(*, host: str, port: int = 9100, lines: TicketPrint, timeout: float = 5.0) -> None:
    """Print one queue ticket on the network printer at ``host:port``.
    Raises PrinterError when the printer cannot be reached or does not take the ticket
    within ``timeout`` seconds."""
    data = ticket_escpos(lines)
    address = f"{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.sendall(data)
            # Tells the printer the job is complete, so that it prints without waiting.
            connection.shutdown(socket.SHUT_WR)
    except TimeoutError as error:
        raise PrinterError(
            _("The ticket printer at %(address)s did not answer within %(seconds)s seconds.")
            % {"address": address, "seconds": f"{timeout:g}"}
        ) from error
    except socket.gaierror as error:
        raise PrinterError(
            _("The ticket printer's address %(host)s is not known on this network.")
            % {"host": host}
        ) from error
    except OSError as error:
        raise PrinterError(
            _(
                "The ticket printer at %(address)s cannot be reached. Check that it is switched "
                "on and connected to the network."
            )
            % {"address": address}
        ) from error
