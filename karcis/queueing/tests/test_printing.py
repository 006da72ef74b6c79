"""Queue tickets on an ESC/POS network printer, played by a TCP listener on 127.0.0.1."""

import socket
import threading

import pytest
from django.utils import translation

from karcis.queueing.printing import PrinterError, TicketPrint, print_ticket, ticket_escpos

GS = b"\x1d"
QR_STORE = GS + b"(k"  # GS ( k: the 2D-code function, native QR
QR_PRINT = b"1Q0"  # …its "print the stored symbol" call
CUT = GS + b"V"

LINES = TicketPrint(
    organisation="RSUD Cempaka Putih",
    service="Poli Umum",
    number="A-012",
    issued="Senin, 6 Januari 2025 08.15",
    ahead="3 orang di depan Anda",
    status_url="https://karcis.example/antrean/7f3a9c",
    footer="Harap menunggu panggilan",
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


class Listener:
    """A printer's port: accepts one connection and keeps every byte until it closes."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        connection, _ = self.server.accept()
        with connection:
            connection.settimeout(5)
            while chunk := connection.recv(4096):
                self.received += chunk

    def bytes(self):
        self.thread.join(timeout=5)
        assert not self.thread.is_alive(), "the printer never saw the end of the job"
        return self.received

    def close(self):
        self.server.close()


@pytest.fixture
def printer():
    listener = Listener()
    yield listener
    listener.close()


def test_a_ticket_reaches_the_printer_whole(printer):
    print_ticket(host="127.0.0.1", port=printer.port, lines=LINES)

    received = printer.bytes()
    assert received == ticket_escpos(LINES)
    assert received.startswith(b"\x1b@")  # ESC @: the printer starts from its defaults
    for text in (LINES.organisation, LINES.service, LINES.number, LINES.issued, LINES.ahead):
        assert text.encode() in received
    assert LINES.footer.encode() in received
    assert received.endswith(CUT + b"\x00")  # a full cut, last


def test_the_number_is_printed_big(printer):
    print_ticket(host="127.0.0.1", port=printer.port, lines=LINES)

    received = printer.bytes()
    # GS ! n: character size, 4× wide (0x30) and 4× high (0x03), then the number, then
    # ESC ! 0: back to the normal size.
    big = received.index(GS + b"!\x33")
    number = received.index(LINES.number.encode())
    normal = received.index(b"\x1b!\x00")
    assert big < number < normal


def test_the_status_url_is_a_native_qr_code(printer):
    print_ticket(host="127.0.0.1", port=printer.port, lines=LINES)

    received = printer.bytes()
    url = LINES.status_url.encode()
    # Stored with "1P0" and a length of the URL plus three, little-endian, then printed.
    length = (len(url) + 3).to_bytes(2, "little")
    assert QR_STORE + length + b"1P0" + url in received
    assert QR_STORE + b"\x03\x00" + QR_PRINT in received


def test_without_a_footer_nothing_is_printed_for_it():
    plain = TicketPrint(**{**LINES.__dict__, "footer": ""})
    assert ticket_escpos(plain) != ticket_escpos(LINES)
    assert LINES.footer.encode() not in ticket_escpos(plain)


def test_indonesian_letters_reach_the_printer():
    lines = TicketPrint(**{**LINES.__dict__, "service": "Poli Anak – Imunisasi"})
    data = ticket_escpos(lines)
    assert b"Poli Anak" in data and b"Imunisasi" in data
    assert b"Poli Anak ? Imunisasi" not in data  # the dash is printed, not replaced


def _closed_port():
    with socket.create_server(("127.0.0.1", 0)) as server:
        return server.getsockname()[1]


def test_a_printer_that_is_off_is_reported():
    port = _closed_port()
    with pytest.raises(PrinterError) as raised:
        print_ticket(host="127.0.0.1", port=port, lines=LINES, timeout=2)
    assert str(raised.value) == (
        f"The ticket printer at 127.0.0.1:{port} cannot be reached. Check that it is "
        "switched on and connected to the network."
    )
    assert isinstance(raised.value.__cause__, ConnectionRefusedError)


def test_a_printer_that_does_not_answer_is_reported(monkeypatch):
    def hang(address, timeout):
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", hang)
    with pytest.raises(PrinterError) as raised:
        print_ticket(host="10.0.0.9", lines=LINES, timeout=2.5)
    assert str(raised.value) == (
        "The ticket printer at 10.0.0.9:9100 did not answer within 2.5 seconds."
    )


def test_an_unknown_printer_name_is_reported(monkeypatch):
    def unknown(address, timeout):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "create_connection", unknown)
    with pytest.raises(PrinterError) as raised:
        print_ticket(host="printer-lantai-2", lines=LINES)
    assert str(raised.value) == (
        "The ticket printer's address printer-lantai-2 is not known on this network."
    )
