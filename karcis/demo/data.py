"""What the demo is made of: the organisation, its people, and the words of its tickets.

The organisation is an imaginary internet provider ("NusaNet" by PT Nusantara Digital) with
customers in six cities. Texts are templates filled per ticket ({sapaan}, {jumlah}, {tempat},
…; builder.Planner._context lists every placeholder). Contact e-mail addresses use reserved
domains (example.com/.net/.org, *.test) so that nothing the demo stores can reach a real
mailbox; phone numbers look Indonesian but are random.
"""

from typing import Any

DEMO_SLUG = "demo"
# One memorable password for every demo login. Fine for a demo on 127.0.0.1, never for a
# real installation: demo_load refuses nothing, so do not run it on a public server.
DEMO_PASSWORD = "karcis-demo"

ORGANISATION = {
    "name": "PT Nusantara Digital",
    "slug": DEMO_SLUG,
    "ticket_prefix": "KRC",
    "time_zone": "Asia/Jakarta",
    "support_email": "bantuan@nusantara.test",
}
BRAND = "NusaNet"

TEAM_CARE = "Layanan Pelanggan"
TEAM_BILLING = "Tagihan & Pembayaran"
TEAM_TECH = "Dukungan Teknis"
TEAMS = {
    TEAM_CARE: "Pertanyaan umum, akun dan keluhan layanan",
    TEAM_BILLING: "Tagihan, pembayaran dan pengembalian dana",
    TEAM_TECH: "Gangguan jaringan dan perangkat",
}

# key, name, e-mail, role, teams, relative workload (how often tickets are routed to them;
# the supervisor gets only escalations)
STAFF = [
    ("ratna", "Ratna Kusumawati", "admin@nusantara.test", "admin", [], 0),
    (
        "hendra",
        "Hendra Gunawan",
        "supervisor@nusantara.test",
        "supervisor",
        [TEAM_CARE, TEAM_BILLING, TEAM_TECH],
        0,
    ),
    ("budi", "Budi Santoso", "budi@nusantara.test", "agent", [TEAM_CARE, TEAM_BILLING], 5),
    ("dewi", "Dewi Anggraini", "dewi@nusantara.test", "agent", [TEAM_CARE], 6),
    ("agus", "Agus Setiawan", "agus@nusantara.test", "agent", [TEAM_BILLING], 6),
    ("sari", "Sari Wulandari", "sari@nusantara.test", "agent", [TEAM_TECH], 6),
    ("yohanes", "Yohanes Wenda", "yohanes@nusantara.test", "agent", [TEAM_TECH], 4),
    ("andi", "Andi Mappaseng", "andi@nusantara.test", "agent", [TEAM_TECH, TEAM_CARE], 4),
]
SUPERVISOR = "hendra"

CUSTOMER = {
    "name": "Siti Rahmawati",
    "email": "siti@example.com",
    "phone": "0812-2207-4415",
    "gender": "f",
    "city": "Bandung",
}

# Who demo_logins shows: role label, staff key (or "customer").
LOGINS = [
    ("Admin", "ratna"),
    ("Supervisor", "hendra"),
    ("Agen Tagihan / Layanan", "budi"),
    ("Agen Teknis", "sari"),
    ("Pelanggan / Customer", "customer"),
]

CATEGORY_TREE = [
    ("Tagihan", ["Pembayaran gagal", "Tagihan salah", "Restitusi"]),
    ("Teknis", ["Internet lambat", "Gangguan total", "Perangkat"]),
    ("Akun", ["Lupa kata sandi", "Ubah data"]),
    ("Keluhan layanan", []),
    ("Informasi umum", []),
]

TAGS = ["vip", "gangguan-massal", "eskalasi", "media-sosial", "follow-up"]

FIELD_CUSTOMER_NUMBER = "nomor_pelanggan"
FIELD_REGION = "wilayah"
CITIES = ["Jakarta", "Bandung", "Surabaya", "Makassar", "Medan", "Jayapura"]
CUSTOM_FIELDS: list[dict[str, Any]] = [
    {
        "key": FIELD_CUSTOMER_NUMBER,
        "label": "Nomor pelanggan",
        "kind": "text",
        "visible_to_customer": True,
    },
    {"key": FIELD_REGION, "label": "Wilayah", "kind": "choice", "choices": CITIES},
]

# --- people ---------------------------------------------------------------------------------

CITY_WEIGHTS = {
    "Jakarta": 34,
    "Bandung": 18,
    "Surabaya": 18,
    "Makassar": 10,
    "Medan": 12,
    "Jayapura": 8,
}

PLACES = {
    "Jakarta": [
        "Kebayoran Baru",
        "Tebet",
        "Cempaka Putih",
        "Kelapa Gading",
        "Cilandak",
        "Pasar Minggu",
        "Cengkareng",
        "Duren Sawit",
        "Jl. Kemang Raya",
        "Rawamangun",
    ],
    "Bandung": [
        "Antapani",
        "Dago",
        "Buahbatu",
        "Cicendo",
        "Sukajadi",
        "Arcamanik",
        "Jl. Setiabudi",
        "Kopo",
    ],
    "Surabaya": [
        "Rungkut",
        "Gubeng",
        "Wonokromo",
        "Tambaksari",
        "Sukolilo",
        "Jl. Darmo",
        "Kenjeran",
        "Wiyung",
    ],
    "Makassar": [
        "Panakkukang",
        "Tamalanrea",
        "Rappocini",
        "Jl. Perintis Kemerdekaan",
        "Mariso",
        "Biringkanaya",
    ],
    "Medan": [
        "Medan Johor",
        "Medan Baru",
        "Jl. Gatot Subroto",
        "Medan Sunggal",
        "Helvetia",
        "Medan Tembung",
    ],
    "Jayapura": ["Abepura", "Entrop", "Waena", "Kotaraja", "Jl. Raya Sentani", "Hamadi"],
}

MALE_NAMES = [
    "Budi",
    "Agus",
    "Bambang",
    "Joko",
    "Rudi",
    "Eko",
    "Dedi",
    "Fajar",
    "Rizky",
    "Ahmad",
    "Muhammad",
    "Yusuf",
    "Arif",
    "Dimas",
    "Bayu",
    "Wahyu",
    "Teguh",
    "Hasan",
    "Irfan",
    "Reza",
    "Gilang",
    "Taufik",
    "Fauzi",
    "Daniel",
    "Samuel",
    "Ilham",
    "Hendrik",
    "Adi",
    "Rahmat",
    "Kevin",
]
FEMALE_NAMES = [
    "Siti",
    "Dewi",
    "Sri",
    "Rina",
    "Ratna",
    "Fitri",
    "Nur",
    "Ayu",
    "Putri",
    "Indah",
    "Wulan",
    "Maya",
    "Yuliana",
    "Anisa",
    "Rahma",
    "Nabila",
    "Aulia",
    "Intan",
    "Kartika",
    "Mega",
    "Novi",
    "Eka",
    "Tuti",
    "Citra",
    "Dian",
    "Melati",
    "Larasati",
    "Suci",
    "Hartini",
    "Vina",
]
# Family names are used by men and women alike; a few regions have their own.
SURNAMES = [
    "Santoso",
    "Wijaya",
    "Saputra",
    "Pratama",
    "Setiawan",
    "Hidayat",
    "Nugroho",
    "Kusuma",
    "Gunawan",
    "Kurniawan",
    "Purnomo",
    "Susanto",
    "Halim",
    "Wibisono",
    "Permana",
    "Ramadhan",
    "Maulana",
    "Firmansyah",
    "Suryadi",
    "Hakim",
    "Rahman",
    "Syahputra",
    "Tanoto",
    "Lim",
]
FEMALE_SURNAMES = [
    "Rahmawati",
    "Wulandari",
    "Handayani",
    "Puspitasari",
    "Suryani",
    "Astuti",
    "Anggraini",
    "Lestari",
]
REGIONAL = {
    "Medan": {
        "m": ["Daniel", "Robert", "Hotman", "Parlindungan", "Rizky", "Andreas"],
        "f": ["Butet", "Rosmawati", "Lasma", "Maria", "Sondang", "Novi"],
        "last": [
            "Siregar",
            "Nasution",
            "Harahap",
            "Lubis",
            "Simanjuntak",
            "Sitompul",
            "Tambunan",
            "Pardede",
            "Sinaga",
            "Panjaitan",
            "Ginting",
            "Tarigan",
            "Sembiring",
            "Hasibuan",
            "Manurung",
        ],
    },
    "Makassar": {
        "m": ["Andi", "Muhammad", "Syamsul", "Irwan", "Ahmad", "Arman"],
        "f": ["Andi", "Nurhayati", "Hasnah", "Sitti", "Rahmawati", "Fatimah"],
        "last": [
            "Mappaseng",
            "Daeng Ngalle",
            "Rahman",
            "Latif",
            "Pabbicara",
            "Amiruddin",
            "Hamzah",
            "Sulaiman",
        ],
    },
    "Jayapura": {
        "m": ["Yohanes", "Markus", "Paulus", "Yakob", "Stefanus", "Benny"],
        "f": ["Maria", "Yohana", "Selvi", "Theresia", "Ruth", "Agustina"],
        "last": [
            "Wenda",
            "Kogoya",
            "Rumbiak",
            "Mandacan",
            "Wanimbo",
            "Tabuni",
            "Karubaba",
            "Rumkorem",
            "Ohee",
        ],
    },
}
EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "surel.test", "mail.test"]
# Mobile prefixes of the Indonesian operators, so numbers look right at a glance.
PHONE_PREFIXES = [
    "0811",
    "0812",
    "0813",
    "0821",
    "0822",
    "0852",
    "0853",
    "0815",
    "0856",
    "0857",
    "0817",
    "0818",
    "0819",
    "0859",
    "0877",
    "0878",
    "0895",
    "0896",
    "0881",
    "0882",
]

# --- the world the tickets talk about -------------------------------------------------------

PLANS = [
    ("NusaNet 20 Mbps", 20, 250_000),
    ("NusaNet 30 Mbps", 30, 330_000),
    ("NusaNet 50 Mbps", 50, 385_000),
    ("NusaNet 100 Mbps", 100, 525_000),
    ("NusaNet Usaha 50 Mbps", 50, 650_000),
]
PAYMENT_METHODS = [
    "BCA",
    "Mandiri",
    "BRI",
    "BNI",
    "BSI",
    "GoPay",
    "OVO",
    "DANA",
    "Indomaret",
    "Alfamart",
    "QRIS",
]
ROUTERS = ["router ZTE F670L", "ONT Huawei HG8245H", "router Fiberhome HG6243C"]
FIELD_TECHNICIANS = ["Pak Darto", "Pak Ucok", "Pak Rahmat", "Mas Yudi", "Pak Markus", "Bang Ilham"]
MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]

# --- texts per category ---------------------------------------------------------------------
# Every category lists who handles it, its ticket types and priorities, and its *cases*: one
# situation each, with subjects and an opening that fit together and the replies and
# solutions that fit that situation. Texts at category level fit every case of it.
#   subjects / openings   the ticket's subject and the requester's first message
#   first_replies         the agent's first public reply
#   asks                  an agent reply that waits for the requester (ticket goes pending)
#   notes, holds          internal notes; a hold note puts the ticket on hold
#   solutions             the agent's reply that solves it
#   follow_ups            the requester writing again
# A case marked "outage" can describe the mass outage (see builder.OUTAGE_*).

TOPICS: dict[str, dict[str, Any]] = {
    "Tagihan › Pembayaran gagal": {
        "team": TEAM_BILLING,
        "weight": 10,
        "types": {"incident": 3, "problem": 1},
        "priorities": {"low": 5, "normal": 55, "high": 32, "urgent": 8},
        "cases": [
            {
                "subjects": [
                    "Pembayaran via {bank} gagal tapi saldo terpotong",
                    "Sudah bayar {jumlah} tapi status masih belum lunas",
                    "Pembayaran di {bank} belum terverifikasi",
                ],
                "openings": [
                    "Saya membayar tagihan {bulan} sebesar {jumlah} melalui {bank} pada {tanggal} "
                    "pukul {jam}. Saldo saya sudah terpotong, tetapi di aplikasi NusaNet status "
                    'tagihan masih "belum lunas". Nomor pelanggan saya {nomor}. Mohon segera '
                    "dicek karena saya khawatir layanan diisolir.",
                    'Tadi saya coba bayar lewat {bank}, muncul pesan "transaksi gagal" tapi uang '
                    "{jumlah} sudah keluar dari rekening. Nomor referensi {kode}. Bagaimana ini?",
                ],
                "first_replies": [
                    "Kami sedang memeriksa transaksi {kode} ke pihak {bank}. Proses rekonsiliasi "
                    "biasanya memerlukan 1×24 jam kerja. Selama pengecekan, layanan {sapaan} tidak "
                    "akan kami isolir.",
                    "Mohon maaf atas ketidaknyamanannya. Data pembayaran {sapaan} sedang kami "
                    "cocokkan dengan laporan dari {bank}. Kami kabari kembali paling lambat besok "
                    "siang.",
                ],
                "notes": [
                    "Cek laporan rekonsiliasi {bank}: transaksi {kode} tercatat pending di "
                    "sisi bank. Sudah email ke tim settlement."
                ],
                "solutions": [
                    "Pembayaran {sapaan} sebesar {jumlah} sudah terverifikasi dan tagihan {bulan} "
                    "kini lunas. Mohon maaf atas ketidaknyamanannya.",
                    "Transaksi {kode} dinyatakan gagal oleh {bank} dan dana {jumlah} sudah "
                    "dikembalikan ke rekening {sapaan}. Silakan lakukan pembayaran ulang.",
                ],
            },
            {
                "subjects": [
                    "Virtual account tidak bisa dibayar",
                    "Kode bayar kedaluwarsa padahal baru dibuat",
                    "Gagal bayar lewat aplikasi NusaNet",
                ],
                "openings": [
                    "Virtual account yang dikirim lewat email tidak bisa dibayar, selalu muncul "
                    '"nomor tidak ditemukan". Sudah saya coba di m-banking dan ATM {bank}. '
                    "Tagihan jatuh tempo {tanggal}.",
                    "Kode bayar dari aplikasi NusaNet langsung dinyatakan kedaluwarsa waktu saya "
                    "bayar di {bank}, padahal baru dibuat lima menit sebelumnya.",
                ],
                "first_replies": [
                    "Mohon maaf atas kendalanya. Kami cek, nomor pembayaran {sapaan} sempat "
                    "dibuat ulang sehingga nomor lama tidak berlaku. Kami siapkan nomor yang baru.",
                    "Terima kasih atas laporannya. Ada gangguan pada layanan kode bayar sejak pagi "
                    "ini dan tim aplikasi sedang memperbaikinya.",
                ],
                "notes": [
                    "VA pelanggan dibuat ulang tanggal {tanggal}; VA lama sudah nonaktif. "
                    "Pantas gagal.",
                    "Tim aplikasi konfirmasi bug masa berlaku kode bayar (APP-{angka}).",
                ],
                "solutions": [
                    "Virtual account baru sudah kami kirim ke email {sapaan} dan sudah kami uji "
                    "berhasil. Silakan lakukan pembayaran kembali.",
                    "Gangguan kode bayar sudah diperbaiki. Jatuh tempo {sapaan} kami perpanjang 3 "
                    "hari sehingga tidak ada denda.",
                ],
            },
            {
                "subjects": [
                    "Pembayaran dobel untuk tagihan {bulan}",
                    "Saldo terpotong dua kali saat bayar tagihan",
                ],
                "openings": [
                    "Bulan ini saya terpotong dua kali, masing-masing {jumlah}. Mohon kelebihan "
                    "bayarnya dikembalikan atau dijadikan deposit untuk bulan depan.",
                ],
                "first_replies": [
                    "Mohon maaf atas kejadian ini. Kami lihat memang ada dua transaksi {jumlah} "
                    "atas nomor pelanggan {nomor} pada hari yang sama. Kami proses "
                    "pengembaliannya.",
                ],
                "notes": [
                    "Pelanggan terpotong dobel. Ajukan refund ke Keuangan, nominal {jumlah}."
                ],
                "solutions": [
                    "Kelebihan pembayaran {jumlah} sudah kami jadikan deposit dan akan otomatis "
                    "memotong tagihan bulan depan.",
                    "Dana {jumlah} sudah kami kembalikan ke rekening {sapaan}; biasanya masuk "
                    "dalam 3–7 hari kerja tergantung bank.",
                ],
            },
            {
                "subjects": [
                    "Autodebet bulan {bulan} gagal",
                    "Autodebet kartu kredit selalu ditolak",
                ],
                "openings": [
                    "Sejak {tanggal} autodebet kartu kredit saya gagal terus, padahal limit masih "
                    "cukup. Tolong dibantu supaya tidak kena denda.",
                ],
                "first_replies": [
                    "Terima kasih atas laporannya. Penolakan autodebet biasanya terjadi karena "
                    "kartu diperbarui atau diblokir untuk transaksi berulang. Kami cek catatan "
                    "penolakan dari bank penerbit.",
                ],
                "notes": [
                    "Kode tolak dari bank: 05 (do not honor). Pelanggan perlu menghubungi "
                    "bank penerbit."
                ],
                "solutions": [
                    "Autodebet {sapaan} sudah kami daftarkan ulang dan uji penarikan berhasil. "
                    "Tagihan {bulan} sudah lunas tanpa denda.",
                ],
            },
            {
                "subjects": [
                    "Bukti transfer sudah ada, layanan tetap diisolir",
                    "Sudah bayar tapi internet masih diblokir",
                ],
                "openings": [
                    "Saya sudah transfer {jumlah} dan mengirim bukti transfer, tetapi internet di "
                    "rumah ({tempat}, {kota}) tetap terisolir sejak kemarin.",
                ],
                "first_replies": [
                    "Mohon maaf atas ketidaknyamanannya. Isolir sudah kami buka sementara sambil "
                    "kami verifikasi pembayaran {sapaan}.",
                ],
                "notes": ["Isolir sudah dibuka manual sementara sambil menunggu verifikasi."],
                "solutions": [
                    "Pembayaran {sapaan} sudah terverifikasi dan isolir dibuka permanen. Mohon "
                    "maaf atas ketidaknyamanannya.",
                ],
            },
        ],
        "asks": [
            "Agar bisa kami telusuri, mohon kirimkan foto atau tangkapan layar bukti pembayaran "
            "yang memuat tanggal, jam, dan nomor referensi transaksi.",
            "Mohon kirimkan mutasi rekening tanggal {tanggal} agar dapat kami teruskan ke bank.",
        ],
        "holds": [
            "Menunggu konfirmasi settlement dari {bank} (estimasi 3 hari kerja).",
            "Menunggu persetujuan Keuangan.",
        ],
        "follow_ups": [
            "Bukti pembayaran sudah saya kirim ya, mohon dicek.",
            "Sudah dua hari belum ada kabar, mohon segera diproses.",
            "Tolong jangan diisolir dulu, saya sudah bayar.",
        ],
    },
    "Tagihan › Tagihan salah": {
        "team": TEAM_BILLING,
        "weight": 10,
        "types": {"complaint": 2, "question": 2, "problem": 1},
        "priorities": {"low": 15, "normal": 60, "high": 22, "urgent": 3},
        "cases": [
            {
                "subjects": [
                    "Tagihan {bulan} lebih besar dari biasanya",
                    "Tagihan {bulan} naik jadi {jumlah}",
                    "Mohon rincian tagihan bulan {bulan}",
                ],
                "openings": [
                    "Tagihan bulan {bulan} saya {jumlah}, padahal biasanya hanya {jumlah2} untuk "
                    "paket {paket}. Saya tidak pernah mengubah paket. Mohon dijelaskan "
                    "rinciannya.",
                ],
                "first_replies": [
                    "Mohon maaf atas kebingungannya. Kenaikan tagihan biasanya berasal dari "
                    "prorata perubahan paket atau berakhirnya masa promo. Kami cek dulu riwayat "
                    "akun {sapaan}.",
                ],
                "notes": [
                    "Ada prorata upgrade paket tanggal {tanggal}, tapi pelanggan bilang "
                    "tidak pernah upgrade. Cek log CRM."
                ],
                "solutions": [
                    "Rincian tagihan sudah kami kirim ke email {sapaan}. Kenaikan berasal dari "
                    "berakhirnya masa promo pada bulan {bulan}.",
                    "Ternyata ada perubahan paket yang tercatat keliru. Tagihan sudah kami koreksi "
                    "menjadi {jumlah2} dan selisihnya menjadi pengurang tagihan bulan depan.",
                ],
                "follow_ups": ["Saya tidak pernah minta upgrade paket, mohon dicek lagi."],
            },
            {
                "subjects": [
                    "Ada biaya tambahan yang tidak saya pahami",
                    "Tagihan tidak sesuai paket {paket}",
                ],
                "openings": [
                    'Di tagihan ada item "biaya layanan tambahan" yang tidak pernah saya minta. '
                    "Nomor pelanggan {nomor}.",
                ],
                "first_replies": [
                    "Laporan sudah kami terima. Item tersebut adalah biaya layanan TV tambahan; "
                    "kami cek apakah pernah ada permintaan aktivasi dari {sapaan}.",
                ],
                "solutions": [
                    "Layanan tambahan yang tidak pernah {sapaan} minta sudah kami nonaktifkan dan "
                    "biayanya kami kembalikan sebagai potongan tagihan bulan depan.",
                ],
            },
            {
                "subjects": [
                    "Masih ditagih setelah berhenti berlangganan",
                    "Ditagih sewa perangkat yang sudah dikembalikan",
                ],
                "openings": [
                    "Saya berhenti berlangganan sejak {tanggal} dan perangkat sudah dikembalikan "
                    "ke kantor {kota}, tetapi masih menerima tagihan {jumlah}.",
                ],
                "first_replies": [
                    "Mohon maaf atas kejadian ini. Kami sedang memastikan status berhenti "
                    "berlangganan dan pengembalian perangkat {sapaan} di sistem kami.",
                ],
                "asks": [
                    "Mohon konfirmasi tanggal pengembalian perangkat dan nama petugas yang "
                    "menerima, agar dapat kami cocokkan dengan berita acara."
                ],
                "notes": [
                    "Berhenti berlangganan tercatat di CRM, tapi order terminasi belum "
                    "diproses. Sudah diteruskan ke billing."
                ],
                "solutions": [
                    "Langganan {sapaan} sudah kami hentikan per {tanggal} dan tagihan setelah "
                    "tanggal tersebut dibatalkan.",
                ],
            },
            {
                "subjects": [
                    "Diskon promo tidak diterapkan di tagihan",
                    "Promo 3 bulan tidak berlaku",
                ],
                "openings": [
                    "Waktu pasang dijanjikan promo diskon 50% selama 3 bulan, tapi tagihan bulan "
                    "ini penuh {jumlah}.",
                ],
                "first_replies": [
                    "Terima kasih atas laporannya. Kami cek data pendaftaran {sapaan} untuk "
                    "memastikan promo yang berlaku.",
                ],
                "notes": [
                    "Promo tidak terpasang karena kode promo tidak diinput saat aktivasi. "
                    "Minta koreksi ke billing."
                ],
                "solutions": [
                    "Promo diskon sudah kami pasang dan tagihan bulan ini kami koreksi. Mohon maaf "
                    "atas kesalahan kami.",
                ],
            },
            {
                "subjects": [
                    "Kena denda padahal sudah bayar tepat waktu",
                    "Denda keterlambatan tidak wajar",
                ],
                "openings": [
                    "Saya dikenakan denda keterlambatan padahal membayar tanggal {tanggal}, "
                    "sebelum jatuh tempo. Bukti bayar ada di email saya sebelumnya.",
                ],
                "first_replies": [
                    "Mohon maaf atas ketidaknyamanannya. Kami cek tanggal pembayaran {sapaan} di "
                    "sistem kami.",
                ],
                "solutions": [
                    "Denda keterlambatan sudah kami hapus karena pembayaran {sapaan} tercatat "
                    "sebelum jatuh tempo.",
                ],
            },
            {
                "subjects": [
                    "Tagihan ganda untuk nomor pelanggan {nomor}",
                    "Menerima dua tagihan untuk bulan {bulan}",
                ],
                "openings": [
                    "Bulan ini saya menerima dua tagihan untuk nomor pelanggan {nomor}, "
                    "masing-masing {jumlah2}. Mana yang harus saya bayar?",
                ],
                "first_replies": [
                    "Terima kasih atas laporannya. Kami cek kedua tagihan tersebut; mohon jangan "
                    "dibayar dulu sampai kami pastikan.",
                ],
                "solutions": [
                    "Salah satu tagihan ternyata terbit ganda dan sudah kami batalkan. Silakan "
                    "bayar satu tagihan sebesar {jumlah2}.",
                ],
            },
        ],
        "asks": [
            "Boleh kami minta foto tagihan atau email tagihan yang {sapaan} terima? Kami perlu "
            "mencocokkan nomor invoice-nya.",
        ],
        "notes": ["Sudah diteruskan ke tim billing untuk pengecekan invoice."],
        "holds": ["Menunggu tim billing menerbitkan nota koreksi."],
        "follow_ups": [
            "Jadi berapa yang harus saya bayar bulan ini?",
            "Ini foto tagihannya. Tolong dikoreksi sebelum jatuh tempo.",
        ],
    },
    "Tagihan › Restitusi": {
        "team": TEAM_BILLING,
        "weight": 4,
        "types": {"request": 1},
        "priorities": {"low": 20, "normal": 60, "high": 18, "urgent": 2},
        "cases": [
            {
                "subjects": [
                    "Minta restitusi karena gangguan {durasi}",
                    "Kompensasi gangguan tanggal {tanggal}",
                    "Minta potongan tagihan karena internet mati {durasi}",
                ],
                "openings": [
                    "Internet saya mati total selama {durasi} sejak {tanggal}. Saya mohon ada "
                    "kompensasi atau potongan tagihan sesuai ketentuan layanan.",
                ],
                "first_replies": [
                    "Mohon maaf atas gangguan yang {sapaan} alami. Sesuai ketentuan, kompensasi "
                    "dihitung dari lama gangguan yang tercatat di sistem kami. Sedang kami hitung.",
                ],
                "notes": [
                    "Gangguan tercatat {durasi} di NOC. Kompensasi sesuai ketentuan: "
                    "potongan prorata."
                ],
                "solutions": [
                    "Kompensasi gangguan sebesar {jumlah_kecil} sudah kami terapkan sebagai "
                    "potongan tagihan bulan depan.",
                ],
            },
            {
                "subjects": [
                    "Refund belum masuk setelah 14 hari",
                    "Refund pembayaran ganda belum diterima",
                    "Status pengembalian dana saya",
                ],
                "openings": [
                    "Saya sudah mengajukan refund {jumlah} untuk pembayaran ganda bulan {bulan}, "
                    "katanya 14 hari kerja, tapi sampai sekarang belum masuk ke rekening {bank} "
                    "saya.",
                    "Mohon informasi status pengembalian dana saya, nomor pelanggan {nomor}. Sudah "
                    "lebih dari dua minggu.",
                ],
                "first_replies": [
                    "Kami sudah mengecek pengajuan {sapaan}; dana sedang dalam antrean proses di "
                    "bagian Keuangan.",
                ],
                "notes": ["Refund sudah disetujui Keuangan, masuk jadwal transfer hari Jumat."],
                "solutions": [
                    "Pengembalian dana {jumlah} sudah kami transfer ke rekening {sapaan} hari ini. "
                    "Nomor referensi: {kode}.",
                ],
            },
            {
                "subjects": [
                    "Restitusi biaya pemasangan yang dibatalkan",
                    "Pengajuan pengembalian dana {jumlah}",
                ],
                "openings": [
                    "Pemasangan di {tempat}, {kota} dibatalkan karena tidak ada jaringan, tetapi "
                    "biaya pemasangan {jumlah} sudah saya bayar. Mohon dikembalikan.",
                ],
                "first_replies": [
                    "Mohon maaf pemasangan di {tempat} belum dapat kami lakukan. Pengembalian "
                    "biaya pemasangan akan kami proses penuh.",
                ],
                "solutions": [
                    "Biaya pemasangan {jumlah} sudah kami kembalikan ke rekening {sapaan}. Nomor "
                    "referensi: {kode}.",
                ],
            },
            {
                "subjects": [
                    "Pengembalian deposit setelah berhenti berlangganan",
                    "Sisa deposit mohon dikembalikan ke rekening",
                ],
                "openings": [
                    "Saya berhenti berlangganan karena pindah kota. Sisa deposit {jumlah} mohon "
                    "dikembalikan ke rekening atas nama saya.",
                ],
                "first_replies": [
                    "Terima kasih, pengajuan {sapaan} sudah kami catat. Kami perlu memastikan "
                    "tidak ada tagihan tersisa sebelum deposit dikembalikan.",
                ],
                "notes": ["Rekening atas nama istri pelanggan; perlu surat kuasa."],
                "solutions": [
                    "Deposit {sapaan} sudah kami kembalikan. Terima kasih telah menggunakan "
                    "layanan NusaNet.",
                ],
            },
        ],
        "asks": [
            "Untuk pengembalian dana, mohon kirimkan nama bank, nomor rekening, dan nama pemilik "
            "rekening (harus sama dengan nama pelanggan), serta foto KTP.",
            "Mohon lengkapi formulir restitusi yang kami kirim lewat email agar dapat diproses.",
        ],
        "holds": [
            "Menunggu jadwal transfer dari Keuangan (batch mingguan).",
            "Menunggu persetujuan kepala bagian untuk nominal di atas Rp 1.000.000.",
        ],
        "notes": ["Riwayat pembayaran pelanggan di sistem billing sudah dicek: sesuai."],
        "follow_ups": [
            "Data rekening sudah saya kirim lewat email ya.",
            "Formulir sudah saya isi dan kirim kembali.",
            "Kapan kira-kira dananya masuk?",
        ],
    },
    "Teknis › Internet lambat": {
        "team": TEAM_TECH,
        "weight": 18,
        "types": {"incident": 4, "problem": 1},
        "priorities": {"low": 12, "normal": 58, "high": 25, "urgent": 5},
        "cases": [
            {
                "subjects": [
                    "Internet lambat sejak {tanggal}",
                    "Kecepatan tidak sampai {mbps} Mbps",
                    "Speedtest hanya {mbps_rendah} Mbps dari paket {paket}",
                ],
                "openings": [
                    "Sejak {tanggal} internet di rumah saya ({tempat}, {kota}) lambat sekali. "
                    "Speedtest hanya {mbps_rendah} Mbps padahal langganan paket {paket}. Sudah "
                    "saya restart router tapi tetap sama.",
                ],
                "solutions": [
                    "Profil kecepatan akun {sapaan} ternyata belum diperbarui setelah ganti paket; "
                    "sekarang sudah sesuai {paket}.",
                    "Teknisi kami sudah mengganti kabel patch cord yang tertekuk; kecepatan kini "
                    "terukur {mbps} Mbps. Silakan dicoba dan kabari kami bila masih ada kendala.",
                ],
            },
            {
                "subjects": ["Internet lemot setiap malam", "Streaming sering buffering"],
                "openings": [
                    "Setiap malam mulai jam 19.00 sampai 23.00 internet lemot, buka YouTube saja "
                    "buffering. Siang hari normal.",
                ],
                "first_replies": [
                    "Laporan kami terima. Ada peningkatan trafik di jaringan area {kota} pada jam "
                    "sibuk; tim jaringan sedang menambah kapasitas.",
                ],
                "notes": [
                    "Utilisasi uplink OLT {kota}-03 mencapai 92% jam 20.00. Sudah ada tiket "
                    "kapasitas di NOC."
                ],
                "solutions": [
                    "Kapasitas jaringan di area {tempat} sudah ditambah. Dari pemantauan kami, "
                    "kecepatan malam hari sudah normal kembali.",
                ],
            },
            {
                "subjects": [
                    "Koneksi putus-sambung di {tempat}",
                    "Zoom meeting sering terputus",
                    "Kelas daring anak sering terputus",
                ],
                "openings": [
                    "Saya kerja dari rumah dan sering meeting online. Koneksi putus-sambung "
                    "beberapa kali per jam, lampu LOS di router kadang berkedip merah.",
                    "Anak saya sekolah daring dan kelasnya sering terputus. Mohon dicek jaringan "
                    "di daerah {tempat}.",
                ],
                "first_replies": [
                    "Terima kasih atas laporannya. Dari pengecekan jarak jauh, sinyal optik ke "
                    "perangkat {sapaan} terbaca {redaman} dBm dan sesekali hilang. Kami jadwalkan "
                    "pengecekan kabel.",
                ],
                "notes": [
                    "Redaman naik-turun sampai -27 dBm, kemungkinan konektor kotor atau "
                    "kabel drop tertekuk."
                ],
                "solutions": [
                    "Teknisi kami sudah membersihkan konektor dan mengganti kabel drop di "
                    "{tempat}. Sinyal kini stabil di {redaman} dBm.",
                ],
            },
            {
                "subjects": [
                    "Ping tinggi saat main game dan video call",
                    "Akses situs tertentu sangat lambat",
                ],
                "openings": [
                    "Ping ke server game di atas 200 ms, biasanya 20 ms. Sudah coba pakai kabel "
                    "LAN, hasilnya sama.",
                    "Beberapa situs dan aplikasi tertentu sangat lambat dibuka, sementara yang "
                    "lain normal. Sudah saya coba di beberapa perangkat.",
                ],
                "first_replies": [
                    "Terima kasih atas laporannya. Kami sedang memeriksa rute jaringan ke server "
                    "yang {sapaan} maksud bersama tim NOC.",
                ],
                "notes": [
                    "Rute ke Singapura lewat jalur cadangan sejak {tanggal}; NOC sedang "
                    "mengalihkan kembali."
                ],
                "solutions": [
                    "Rute jaringan ke server tersebut sudah dipulihkan ke jalur utama. Dari uji "
                    "kami, ping kembali sekitar 20 ms.",
                ],
            },
            {
                "subjects": ["Wi-Fi lambat di lantai 2", "Sinyal Wi-Fi lemah di kamar"],
                "openings": [
                    "Kalau pakai kabel kecepatannya normal, tapi Wi-Fi di lantai 2 lambat sekali "
                    "dan sering putus.",
                ],
                "first_replies": [
                    "Kami sudah memeriksa perangkat {sapaan} dari jarak jauh dan melihat banyak "
                    "perangkat terhubung di Wi-Fi 2,4 GHz. Kami coba atur ulang kanalnya.",
                ],
                "notes": [
                    "Curiga interferensi Wi-Fi 2,4 GHz, sarankan pindah ke 5 GHz atau tambah mesh."
                ],
                "solutions": [
                    "Kami sudah memindahkan Wi-Fi {sapaan} ke kanal 5 GHz dan memperbarui firmware "
                    "router. Hasil uji kami stabil.",
                ],
            },
            {
                "subjects": [
                    "Internet lambat setelah hujan",
                    "Koneksi memburuk setiap hujan deras",
                ],
                "openings": [
                    "Setiap habis hujan deras internet jadi lambat dan sering putus. Kabel di "
                    "depan rumah ({tempat}) kelihatan menjuntai.",
                ],
                "first_replies": [
                    "Terima kasih atas laporannya. Kabel yang menjuntai bisa menyebabkan redaman "
                    "tinggi saat hujan; kami jadwalkan teknisi untuk merapikan dan mengecek kabel.",
                ],
                "solutions": [
                    "Teknisi kami sudah merapikan dan mengganti kabel drop di depan rumah "
                    "{sapaan}. Redaman sudah normal kembali.",
                ],
            },
        ],
        "first_replies": [
            "Mohon maaf atas ketidaknyamanannya. Kami sudah me-reset sesi internet {sapaan} dari "
            "sisi kami. Mohon matikan router selama 1 menit lalu nyalakan kembali.",
        ],
        "asks": [
            "Mohon kirimkan hasil speedtest menggunakan kabel LAN (bukan Wi-Fi) di tiga waktu "
            "berbeda: pagi, siang, dan malam.",
            "Mohon konfirmasi apakah koneksi sudah lebih baik setelah router dinyalakan ulang.",
        ],
        "notes": [
            "Pelanggan pakai router pribadi di belakang ONT, double NAT. Sarankan mode bridge.",
            "Riwayat: keluhan serupa bulan lalu, waktu itu ganti patch cord.",
        ],
        "holds": [
            "Menunggu jadwal teknisi lapangan untuk cek kabel drop core di {tempat}.",
            "Menunggu penambahan kapasitas uplink oleh tim NOC (estimasi minggu depan).",
        ],
        "follow_ups": [
            "Sudah saya restart, masih lambat juga.",
            "Ini hasil speedtest-nya: pagi {mbps} Mbps, malam cuma {mbps_rendah} Mbps.",
            "Sudah lebih baik, tapi kadang masih putus.",
        ],
    },
    "Teknis › Gangguan total": {
        "team": TEAM_TECH,
        "weight": 12,
        "types": {"incident": 1},
        "priorities": {"normal": 25, "high": 50, "urgent": 25},
        "cases": [
            {
                "outage": True,
                "subjects": [
                    "Internet mati total sejak pagi",
                    "Tidak ada koneksi sama sekali di {tempat}",
                    "Satu kompleks internetnya mati",
                    "Gangguan total di {kota} pagi ini",
                ],
                "openings": [
                    "Sejak tadi pagi internet di rumah saya mati total. Lampu LOS di router "
                    "menyala merah. Alamat {tempat}, {kota}. Mohon segera dikirim teknisi.",
                    "Tetangga satu kompleks juga mati. Sepertinya ada gangguan di daerah {tempat}.",
                ],
                "first_replies": [
                    "Terima kasih atas laporannya. Saat ini sedang terjadi gangguan jaringan di "
                    "area {tempat} dan tim kami sedang melakukan perbaikan. Perkiraan pulih: "
                    "{estimasi}.",
                ],
                "notes": [
                    "NOC: kabel fiber putus di ruas {tempat}–{tempat2}, puluhan pelanggan "
                    "terdampak. Tim penyambungan sudah berangkat."
                ],
                "solutions": [
                    "Perbaikan kabel sudah selesai dan layanan di area {tempat} kembali normal. "
                    "Mohon maaf atas gangguan yang terjadi.",
                    "Sambungan fiber yang putus sudah disambung ulang. Kompensasi gangguan akan "
                    "otomatis diberikan di tagihan bulan depan.",
                ],
            },
            {
                "subjects": [
                    "Internet kantor mati, operasional terhenti",
                    "Toko tidak bisa transaksi, internet mati",
                ],
                "openings": [
                    "Internet kantor kami mati total dan operasional kasir terhenti. Ini sangat "
                    "mendesak, mohon diprioritaskan.",
                ],
                "first_replies": [
                    "Mohon maaf atas gangguan ini. Kami mendeteksi perangkat {sapaan} tidak "
                    "menerima sinyal optik (LOS). Laporan sudah kami teruskan ke tim lapangan "
                    "area {kota} dengan prioritas tinggi.",
                ],
                "notes": ["Pelanggan bisnis, target pemulihan 4 jam. Tolong diprioritaskan."],
                "follow_ups": ["Setiap jam mati kami rugi. Mohon dipercepat."],
                "solutions": [
                    "Teknisi kami menemukan kabel terputus di tiang depan kantor dan sudah "
                    "menyambungnya kembali. Koneksi {sapaan} sudah normal.",
                ],
            },
            {
                "subjects": [
                    "Kabel putus tertabrak truk di depan rumah",
                    "Kabel fiber di depan rumah putus",
                ],
                "openings": [
                    "Tadi ada truk yang menabrak tiang, kabel fiber di depan rumah putus. "
                    "Sekarang tidak ada koneksi sama sekali.",
                ],
                "first_replies": [
                    "Terima kasih sudah melapor. Kami sudah menjadwalkan teknisi untuk datang "
                    "antara pukul {jam_kunjungan}. Mohon pastikan ada orang di lokasi.",
                ],
                "solutions": [
                    "Kabel yang putus sudah diganti dan ditarik ulang oleh teknisi kami. Koneksi "
                    "{sapaan} sudah normal kembali.",
                ],
            },
            {
                "subjects": [
                    "Tidak bisa online sejak listrik padam",
                    "ONT tidak mendapat sinyal setelah mati listrik",
                ],
                "openings": [
                    "Setelah listrik padam kemarin malam, router tidak bisa tersambung lagi. "
                    "Lampu PON berkedip terus.",
                ],
                "first_replies": [
                    "Mohon maaf atas gangguan ini. Dari pengecekan kami, perangkat {sapaan} tidak "
                    "terdaftar ulang setelah listrik padam. Kami coba aktifkan ulang dari jarak "
                    "jauh.",
                ],
                "notes": ["Adaptor ONT kemungkinan rusak, teknisi bawa pengganti."],
                "solutions": [
                    "Teknisi kami sudah mengganti adaptor ONT yang rusak dan koneksi {sapaan} "
                    "sudah normal kembali.",
                    "Perangkat {sapaan} sudah kami daftarkan ulang dan kembali tersambung. Terima "
                    "kasih atas kesabarannya.",
                ],
            },
            {
                "subjects": [
                    "Mati total lebih dari 24 jam, belum ada teknisi",
                    "Internet dan TV mati bersamaan sejak kemarin",
                ],
                "openings": [
                    "Sudah lebih dari 24 jam internet mati dan belum ada teknisi yang datang. "
                    "Saya sudah lapor lewat telepon kemarin.",
                    "Sejak kemarin sore internet dan TV mati bersamaan. Semua lampu di perangkat "
                    "menyala, tapi tidak ada koneksi.",
                ],
                "first_replies": [
                    "Kami mohon maaf atas lamanya penanganan. Laporan {sapaan} kami naikkan "
                    "prioritasnya dan teknisi {teknisi} dijadwalkan datang hari ini.",
                ],
                "notes": ["Teknisi {teknisi} dijadwalkan {hari} pagi."],
                "solutions": [
                    "Teknisi kami sudah memperbaiki sambungan di ODP dan layanan internet serta "
                    "TV {sapaan} sudah normal kembali.",
                ],
            },
        ],
        "asks": [
            "Mohon konfirmasi alamat lengkap dan nomor yang bisa dihubungi teknisi.",
            "Mohon kirimkan foto lampu indikator pada router/ONT agar teknisi membawa perangkat "
            "yang tepat.",
        ],
        "holds": [
            "Menunggu perbaikan kabel backbone oleh tim NOC; pelanggan sudah diinformasikan.",
            "Menunggu izin pengelola gedung untuk akses ruang panel.",
        ],
        "notes": ["Sudah diteruskan ke tim lapangan {kota}, teknisi {teknisi}."],
        "follow_ups": [
            "Sampai sekarang teknisi belum datang juga.",
            "Kapan perkiraan internetnya nyala lagi?",
            "Belum ada perubahan, masih mati.",
        ],
    },
    "Teknis › Perangkat": {
        "team": TEAM_TECH,
        "weight": 8,
        "types": {"request": 3, "incident": 1},
        "priorities": {"low": 25, "normal": 60, "high": 13, "urgent": 2},
        "cases": [
            {
                "subjects": [
                    "Router rusak, minta penggantian",
                    "Lampu router mati semua",
                    "Adaptor router terbakar",
                ],
                "openings": [
                    "Router di rumah tidak mau menyala sejak kemarin, semua lampu mati. "
                    "Adaptornya sudah saya coba di stopkontak lain.",
                    "Adaptor router berbau hangus dan sekarang router tidak menyala sama sekali.",
                ],
                "first_replies": [
                    "Terima kasih. Dari pengecekan jarak jauh, {router} {sapaan} memang tidak "
                    "terdeteksi. Kami akan menjadwalkan penggantian perangkat tanpa biaya.",
                ],
                "asks": [
                    "Mohon kirimkan foto stiker di bagian bawah perangkat (nomor seri) agar "
                    "kami bisa memproses penggantiannya."
                ],
                "notes": [
                    "SN perangkat {sn}, garansi masih berlaku. Ajukan penggantian ke vendor.",
                    "Stok {router} di gudang {kota} kosong, ambil dari gudang pusat.",
                ],
                "follow_ups": ["Ini foto stikernya."],
                "solutions": [
                    "Perangkat pengganti sudah dipasang oleh teknisi kami dan koneksi "
                    "berjalan normal."
                ],
            },
            {
                "subjects": ["Ganti password Wi-Fi", "Cara mengganti nama Wi-Fi"],
                "openings": [
                    "Saya mau ganti nama dan password Wi-Fi karena tetangga sepertinya ikut "
                    "memakai. Bagaimana caranya?",
                ],
                "first_replies": [
                    "Untuk mengganti password Wi-Fi, buka 192.168.1.1 di browser, masuk dengan "
                    "user dan password yang tertera di stiker bawah router, lalu pilih menu WLAN. "
                    "Bila kesulitan, kami bisa bantu menggantinya dari sisi kami.",
                ],
                "follow_ups": ["Sudah saya coba cara itu tapi tidak bisa masuk ke halaman router."],
                "solutions": [
                    "Password Wi-Fi sudah kami ganti sesuai permintaan. Password baru "
                    "kami kirim lewat SMS ke nomor terdaftar."
                ],
            },
            {
                "subjects": [
                    "Mesh Wi-Fi tambahan untuk rumah dua lantai",
                    "Upgrade ke router dual-band",
                    "Wi-Fi tidak sampai ke lantai atas",
                ],
                "openings": [
                    "Rumah saya dua lantai dan sinyal Wi-Fi di lantai atas lemah sekali. Apakah "
                    "bisa ditambah perangkat mesh? Berapa biayanya?",
                ],
                "first_replies": [
                    "Perangkat mesh tambahan tersedia dengan biaya sewa {jumlah_kecil} per bulan. "
                    "Apakah {sapaan} ingin kami proses?",
                ],
                "notes": ["Pelanggan setuju biaya mesh {jumlah_kecil}/bulan; buat order tambahan."],
                "follow_ups": ["Baik, saya setuju dengan biayanya. Bisa dipasang hari Sabtu?"],
                "solutions": [
                    "Perangkat mesh sudah terpasang; sinyal di lantai atas kini kuat. "
                    "Biaya sewa mulai ditagihkan bulan depan."
                ],
            },
            {
                "subjects": ["Set-top box macet di logo", "TV kabel tidak bisa dibuka"],
                "openings": [
                    "Set-top box tidak bisa masuk ke menu, hanya tampil logo terus. Sudah "
                    "dicabut-pasang berkali-kali.",
                ],
                "first_replies": [
                    "Terima kasih atas laporannya. Kami sudah mengirim pembaruan perangkat lunak "
                    "ke set-top box {sapaan}. Mohon cabut adaptornya 30 detik lalu pasang "
                    "kembali.",
                ],
                "solutions": [
                    "Set-top box {sapaan} sudah kami ganti dengan unit baru dan saluran TV "
                    "kembali normal.",
                    "Setelah pembaruan perangkat lunak, set-top box {sapaan} sudah kembali normal.",
                ],
            },
            {
                "subjects": [
                    "Minta pindah lokasi router ke lantai atas",
                    "Pindah posisi router ke ruang kerja",
                ],
                "openings": [
                    "Saya ingin memindahkan router ke ruang kerja di lantai 2. Apakah bisa "
                    "dijadwalkan teknisi?",
                ],
                "first_replies": [
                    "Bisa. Pemindahan titik router di dalam rumah dikenakan biaya {jumlah_kecil} "
                    "dan dikerjakan teknisi kami sekitar satu jam.",
                ],
                "solutions": [
                    "Router sudah dipindahkan ke ruang kerja {sapaan} di lantai 2 dan "
                    "koneksi sudah kami uji normal."
                ],
            },
            {
                "subjects": ["Remote TV hilang, bisa beli di mana?"],
                "openings": [
                    "Remote set-top box saya hilang. Apakah bisa beli pengganti di kantor "
                    "layanan {kota}?",
                ],
                "first_replies": [
                    "Remote pengganti bisa dibeli di kantor layanan {kota} seharga "
                    "{jumlah_kecil}, atau kami kirim ke rumah dengan tambahan ongkos kirim.",
                ],
                "solutions": [
                    "Remote pengganti sudah kami kirim ke alamat {sapaan}. Terima kasih."
                ],
            },
        ],
        "asks": ["Mohon konfirmasi jadwal kunjungan yang {sapaan} inginkan (hari dan jam)."],
        "notes": ["Jadwal teknisi {teknisi}: {hari} pagi."],
        "holds": [
            "Menunggu kiriman perangkat pengganti dari gudang pusat.",
            "Menunggu jadwal teknisi yang disepakati pelanggan.",
        ],
        "follow_ups": ["Bisa datang hari Sabtu pagi?", "Kapan teknisinya datang?"],
    },
    "Akun › Lupa kata sandi": {
        "team": TEAM_CARE,
        "weight": 8,
        "types": {"request": 2, "question": 1},
        "priorities": {"low": 30, "normal": 60, "high": 10},
        "cases": [
            {
                "subjects": [
                    "Lupa kata sandi aplikasi NusaNet",
                    "Tidak menerima email reset password",
                    "Reset password selalu gagal",
                ],
                "openings": [
                    'Saya lupa kata sandi aplikasi NusaNet. Sudah klik "lupa kata sandi" tapi '
                    "email reset tidak pernah masuk, sudah cek folder spam juga.",
                ],
                "first_replies": [
                    "Kami cek, email reset terkirim ke alamat yang berbeda dari yang {sapaan} "
                    "sebutkan. Apakah {sapaan} pernah mengganti email?",
                ],
                "solutions": [
                    "Email akun {sapaan} sudah kami perbarui dan tautan reset sudah "
                    "terkirim. Silakan cek kotak masuk."
                ],
            },
            {
                "subjects": [
                    "Akun terkunci setelah salah password",
                    "Minta bantuan membuka akun terkunci",
                ],
                "openings": [
                    "Akun saya terkunci setelah beberapa kali salah memasukkan password. Mohon "
                    "dibuka kembali.",
                ],
                "first_replies": [
                    'Akun {sapaan} sudah kami buka kembali. Silakan coba fitur "Lupa kata sandi" '
                    "sekali lagi; tautan reset berlaku 30 menit.",
                ],
                "notes": ["Akun terkunci otomatis oleh sistem (5x salah). Dibuka manual."],
                "solutions": [
                    "Akun sudah aktif kembali dan {sapaan} sudah berhasil login. Terima "
                    "kasih atas kesabarannya."
                ],
            },
            {
                "subjects": ["Kode OTP tidak masuk", "Nomor HP untuk OTP sudah ganti"],
                "openings": [
                    "Kode OTP tidak pernah masuk ke HP saya. Nomor saya masih aktif.",
                    "Nomor HP yang terdaftar untuk OTP sudah tidak saya pakai lagi. Bagaimana cara "
                    "menggantinya?",
                ],
                "first_replies": [
                    "Terima kasih atas laporannya. Kami cek nomor HP yang terdaftar di akun "
                    "{sapaan} untuk pengiriman OTP.",
                ],
                "notes": [
                    "OTP gagal karena nomor tercatat dengan format lama; diperbaiki jadi +62."
                ],
                "solutions": [
                    "Nomor HP {sapaan} sudah kami perbarui; kode OTP sekarang terkirim ke nomor "
                    "yang baru.",
                    "Gangguan OTP sudah diperbaiki tim aplikasi; silakan coba login kembali.",
                ],
            },
            {
                "subjects": ["Email terdaftar sudah tidak aktif"],
                "openings": [
                    "Email yang terdaftar di akun saya sudah tidak aktif, jadi tidak bisa reset "
                    "password. Bagaimana cara menggantinya?",
                ],
                "first_replies": [
                    "Email akun bisa kami ganti setelah verifikasi identitas. Kami kirimkan "
                    "langkah-langkahnya sebentar lagi.",
                ],
                "asks": [
                    "Mohon kirimkan foto KTP dan swafoto sambil memegang KTP untuk verifikasi "
                    "pergantian email."
                ],
                "solutions": [
                    "Email akun {sapaan} sudah kami ganti dan tautan reset sudah "
                    "terkirim ke alamat yang baru."
                ],
            },
            {
                "subjects": ["Tidak bisa login ke portal pelanggan", "Login aplikasi error terus"],
                "openings": [
                    'Setiap login muncul pesan "terjadi kesalahan, coba lagi nanti". Sudah saya '
                    "coba di HP dan laptop.",
                ],
                "first_replies": [
                    "Terima kasih atas laporannya. Ada gangguan pada layanan login aplikasi sejak "
                    "pagi ini dan tim aplikasi sedang memperbaikinya.",
                ],
                "notes": ["Tim aplikasi konfirmasi gangguan login (APP-{angka})."],
                "solutions": [
                    "Gangguan login sudah diperbaiki tim aplikasi. Silakan coba masuk "
                    "kembali; kabari kami bila masih ada kendala."
                ],
            },
        ],
        "asks": [
            "Demi keamanan, mohon konfirmasi nama lengkap, tanggal lahir, dan nomor pelanggan "
            "yang terdaftar agar kami dapat memverifikasi kepemilikan akun.",
            "Mohon konfirmasi apakah tautan reset sudah berhasil digunakan.",
        ],
        "notes": ["Verifikasi identitas cocok dengan data KTP di CRM."],
        "holds": ["Menunggu tim aplikasi memperbaiki gangguan (APP-{angka})."],
        "follow_ups": [
            "Sudah saya kirim data verifikasinya.",
            "Masih belum bisa login, muncul pesan yang sama.",
        ],
    },
    "Akun › Ubah data": {
        "team": TEAM_CARE,
        "weight": 8,
        "types": {"request": 1},
        "priorities": {"low": 35, "normal": 55, "high": 10},
        "cases": [
            {
                "subjects": [
                    "Pindah alamat pemasangan ke {tempat}",
                    "Pindah rumah, layanan mau ikut pindah",
                ],
                "openings": [
                    "Saya ingin memindahkan layanan ke alamat baru di {tempat}, {kota}. Mohon info "
                    "prosedur dan biayanya.",
                ],
                "first_replies": [
                    "Untuk pindah alamat, kami perlu mengecek ketersediaan jaringan di {tempat} "
                    "terlebih dahulu. Biaya pindah alamat {jumlah_kecil}.",
                ],
                "notes": ["Cek jangkauan {tempat}: ODP terdekat 120 m, masih bisa dipasang."],
                "holds": ["Menunggu survei teknis ke alamat baru."],
                "follow_ups": ["Kapan teknisi bisa survei ke alamat baru?"],
                "solutions": ["Pindah alamat sudah selesai dan layanan di {tempat} sudah aktif."],
            },
            {
                "subjects": ["Ubah alamat email tagihan", "Perubahan nomor HP terdaftar"],
                "openings": [
                    "Mohon ubah email tagihan dan nomor HP saya, karena yang lama sudah tidak "
                    "dipakai.",
                ],
                "first_replies": [
                    "Permintaan perubahan data sudah kami terima. Untuk keamanan, mohon "
                    "konfirmasi nomor pelanggan dan nama sesuai KTP.",
                ],
                "solutions": [
                    "Data kontak {sapaan} sudah kami perbarui. Tagihan berikutnya akan "
                    "dikirim ke alamat email yang baru."
                ],
            },
            {
                "subjects": [
                    "Balik nama karena pemilik meninggal dunia",
                    "Ganti nama pemilik langganan",
                ],
                "openings": [
                    "Pemilik langganan (ayah saya) sudah meninggal dunia. Saya ingin balik nama ke "
                    "nama saya. Dokumen apa saja yang diperlukan?",
                ],
                "first_replies": [
                    "Turut berduka cita. Untuk balik nama, mohon siapkan fotokopi KTP ahli waris, "
                    "kartu keluarga, dan surat keterangan kematian. Dokumen bisa dikirim lewat "
                    "email atau dibawa ke kantor layanan.",
                ],
                "notes": ["Dokumen balik nama lengkap, teruskan ke back office."],
                "holds": ["Menunggu verifikasi dokumen oleh back office."],
                "follow_ups": ["Dokumen sudah saya kirim lewat email tadi pagi."],
                "solutions": [
                    "Balik nama sudah selesai; langganan kini atas nama "
                    "{nama_lengkap} mulai tagihan berikutnya."
                ],
            },
            {
                "subjects": ["Ubah paket ke {paket}", "Turun paket internet"],
                "openings": ["Saya mau pindah ke paket {paket} mulai bulan depan."],
                "first_replies": [
                    "Bisa. Perubahan paket berlaku mulai tanggal 1 bulan depan dan tagihannya "
                    "dihitung prorata.",
                ],
                "notes": ["Perubahan paket prorata mulai tanggal 1."],
                "solutions": [
                    "Paket {sapaan} sudah berubah menjadi {paket}. Silakan nyalakan "
                    "ulang router agar kecepatan baru aktif."
                ],
            },
            {
                "subjects": [
                    "Koreksi penulisan nama di tagihan",
                    "Ganti NPWP di data pelanggan",
                    "Minta faktur pajak atas nama perusahaan",
                ],
                "openings": [
                    "Nama saya di tagihan tertulis salah. Mohon dikoreksi sesuai KTP.",
                    "Kami perlu faktur pajak atas nama perusahaan untuk langganan ini. Mohon NPWP "
                    "di data pelanggan diganti ke NPWP kantor.",
                ],
                "first_replies": [
                    "Permintaan {sapaan} sudah kami terima. Mohon kirimkan dokumen pendukung (KTP "
                    "atau kartu NPWP) agar data dapat kami koreksi.",
                ],
                "solutions": [
                    "Data {sapaan} sudah kami perbarui. Perubahan berlaku mulai tagihan berikutnya."
                ],
            },
        ],
        "asks": [
            "Mohon kirimkan dokumen pendukung agar perubahan bisa kami proses.",
            "Mohon konfirmasi tanggal efektif perubahan yang {sapaan} inginkan.",
        ],
        "notes": ["Perubahan dicatat di CRM, menunggu persetujuan back office."],
        "holds": ["Menunggu verifikasi data oleh back office."],
        "follow_ups": ["Baik, terima kasih. Ditunggu kabarnya."],
    },
    "Keluhan layanan": {
        "team": TEAM_CARE,
        "weight": 10,
        "types": {"complaint": 1},
        "priorities": {"normal": 50, "high": 40, "urgent": 10},
        "cases": [
            {
                "subjects": [
                    "Teknisi tidak datang sesuai jadwal",
                    "Sudah izin kerja, teknisi tidak datang",
                ],
                "openings": [
                    "Saya sudah menunggu teknisi dari jam 08.00 sesuai jadwal, tetapi sampai sore "
                    "tidak ada yang datang dan tidak ada kabar. Saya sudah izin kerja untuk ini.",
                ],
                "first_replies": [
                    "Mohon maaf atas ketidaknyamanan ini. Kami sudah menjadwalkan ulang kunjungan "
                    "teknisi dengan prioritas untuk hari {hari}.",
                ],
                "notes": [
                    "Teknisi tidak datang karena jadwal bentrok, tidak ada yang mengabari "
                    "pelanggan. Sudah disampaikan ke koordinator."
                ],
                "solutions": [
                    "Kunjungan ulang sudah dilakukan dan masalah sudah selesai. Sebagai "
                    "permohonan maaf, kami berikan potongan tagihan {jumlah_kecil} untuk bulan "
                    "depan.",
                ],
            },
            {
                "subjects": [
                    "Sudah lapor berkali-kali tidak ada tindak lanjut",
                    "Gangguan berulang setiap minggu",
                    "Kecewa dengan penanganan laporan saya",
                ],
                "openings": [
                    "Saya sudah melapor gangguan tiga kali dalam seminggu ini dan setiap kali "
                    'hanya dijawab "sedang dicek". Tidak ada tindak lanjut yang jelas.',
                ],
                "notes": [
                    "Kasus berulang: 3 laporan gangguan dalam 30 hari. Usulkan penggantian "
                    "kabel drop."
                ],
                "solutions": [
                    "Kabel drop di rumah {sapaan} sudah kami ganti seluruhnya agar gangguan tidak "
                    "berulang. Kami akan memantau koneksi {sapaan} selama dua minggu ke depan.",
                ],
            },
            {
                "subjects": [
                    "Keluhan pelayanan di kantor {kota}",
                    "Antrean di kantor layanan terlalu lama",
                ],
                "openings": [
                    "Kemarin saya datang ke kantor layanan {kota} dan harus antre lebih dari dua "
                    "jam. Petugasnya juga kurang informatif.",
                ],
                "solutions": [
                    "Keluhan {sapaan} sudah kami sampaikan ke kepala kantor layanan {kota}. Mulai "
                    "bulan ini kami menambah petugas di jam sibuk. Terima kasih atas masukannya.",
                ],
            },
            {
                "subjects": [
                    "Teknisi meninggalkan sampah kabel",
                    "Petugas tidak ramah saat kunjungan",
                ],
                "openings": [
                    "Teknisi yang datang ke rumah meninggalkan potongan kabel dan sampah di "
                    "halaman. Mohon diperhatikan.",
                    "Petugas yang datang kemarin bersikap kurang sopan dan terburu-buru, "
                    "pekerjaannya juga tidak dijelaskan.",
                ],
                "solutions": [
                    "Keluhan {sapaan} sudah kami tindak lanjuti dengan mitra teknisi terkait. "
                    "Terima kasih atas masukannya; ini membantu kami memperbaiki layanan.",
                ],
            },
            {
                "subjects": ["Call center sulit dihubungi", "Janji telepon balik tidak ditepati"],
                "openings": [
                    "Call center tidak bisa dihubungi sejak pagi, selalu sibuk. Saya terpaksa "
                    "menulis di sini.",
                    "Minggu lalu petugas berjanji akan menelepon balik dalam satu hari, tapi "
                    "sampai sekarang tidak ada yang menghubungi.",
                ],
                "solutions": [
                    "Permintaan {sapaan} sudah kami selesaikan lewat telepon hari ini, dan masukan "
                    "tentang call center kami teruskan ke pimpinan. Mohon maaf atas kejadian ini.",
                ],
            },
            {
                "subjects": ["Sales menjanjikan promo yang tidak ada"],
                "openings": [
                    "Waktu daftar, sales menjanjikan gratis biaya pasang, tapi sekarang biaya "
                    "pasang {jumlah} muncul di tagihan.",
                ],
                "solutions": [
                    "Biaya pemasangan sudah kami batalkan sesuai janji promo saat pendaftaran."
                ],
            },
        ],
        "first_replies": [
            "Kami mohon maaf yang sebesar-besarnya atas pengalaman yang kurang menyenangkan ini. "
            "Keluhan {sapaan} sudah kami teruskan ke koordinator area {kota} untuk "
            "ditindaklanjuti.",
            "Terima kasih sudah menyampaikan keluhan ini. Kami sedang meminta klarifikasi dari tim "
            "terkait dan akan mengabari {sapaan} paling lambat 2×24 jam.",
        ],
        "asks": [
            "Boleh kami tahu waktu yang nyaman untuk kami hubungi melalui telepon agar bisa "
            "membahas keluhan ini secara langsung?",
            "Mohon informasikan tanggal dan jam kejadian serta nama petugas bila {sapaan} ingat.",
        ],
        "notes": ["Sudah minta klarifikasi ke koordinator area {kota}."],
        "holds": ["Menunggu hasil klarifikasi dari koordinator area {kota}."],
        "follow_ups": [
            "Saya tunggu kabarnya, jangan sampai terulang lagi.",
            "Sampai sekarang belum ada yang menghubungi saya.",
            "Kalau tidak ada kejelasan minggu ini, saya akan berhenti berlangganan.",
        ],
    },
    "Informasi umum": {
        "team": TEAM_CARE,
        "weight": 12,
        "types": {"question": 1},
        "priorities": {"low": 45, "normal": 50, "high": 5},
        "cases": [
            {
                "subjects": [
                    "Info paket internet untuk rumah",
                    "Apakah jaringan NusaNet sudah ada di {tempat}?",
                    "Info promo bulan ini",
                ],
                "openings": [
                    "Saya mau tanya apakah jaringan NusaNet sudah tersedia di {tempat}, {kota}? "
                    "Dan paket apa saja yang ada?",
                ],
                "first_replies": [
                    "Terima kasih atas pertanyaannya. Jaringan kami sudah tersedia di {tempat}. "
                    "Paket rumah mulai dari {paket} dengan harga {jumlah2} per bulan.",
                ],
                "asks": [
                    "Apakah {sapaan} ingin kami bantu daftarkan sekarang? Mohon kirimkan "
                    "alamat lengkap dan titik lokasi."
                ],
                "notes": ["Calon pelanggan baru, teruskan ke tim sales {kota}."],
                "holds": ["Menunggu konfirmasi tim sales tentang jaringan di {tempat}."],
                "follow_ups": ["Ini titik lokasinya, mohon dicek.", "Kalau paket 50 Mbps berapa?"],
                "solutions": [
                    "Pendaftaran {sapaan} sudah kami teruskan ke tim sales; petugas akan "
                    "menghubungi dalam 1×24 jam."
                ],
            },
            {
                "subjects": [
                    "Syarat pemasangan baru",
                    "Bisa pasang di rumah kontrakan?",
                    "Berapa lama proses pemasangan baru?",
                ],
                "openings": [
                    "Apa saja syarat untuk pemasangan baru? Saya tinggal di rumah kontrakan. "
                    "Berapa lama prosesnya?",
                ],
                "first_replies": [
                    "Syarat pemasangan baru cukup KTP dan nomor HP aktif. Untuk rumah kontrakan, "
                    "kami perlu persetujuan pemilik rumah untuk penarikan kabel. Pemasangan "
                    "biasanya selesai dalam 3–5 hari kerja.",
                ],
            },
            {
                "subjects": ["Jam buka kantor layanan {kota}"],
                "openings": [
                    "Kantor layanan di {kota} buka jam berapa saja? Apakah hari Sabtu buka?"
                ],
                "first_replies": [
                    "Kantor layanan {kota} buka Senin–Jumat pukul 08.00–16.00 dan Sabtu pukul "
                    "08.00–12.00, kecuali hari libur nasional.",
                ],
            },
            {
                "subjects": ["Apakah ada paket khusus UMKM?"],
                "openings": [
                    "Saya punya warung dan ingin pasang internet untuk pembayaran QRIS. "
                    "Apakah ada paket UMKM?"
                ],
                "first_replies": [
                    "Untuk UMKM kami punya paket NusaNet Usaha 50 Mbps dengan "
                    "prioritas penanganan gangguan."
                ],
            },
            {
                "subjects": ["Cara berhenti berlangganan"],
                "openings": [
                    "Bagaimana cara berhenti berlangganan? Saya akan pindah ke luar "
                    "negeri bulan depan."
                ],
                "first_replies": [
                    "Berhenti berlangganan bisa diajukan lewat aplikasi, email, atau kantor "
                    "layanan. Perangkat perlu dikembalikan paling lambat 14 hari setelah tanggal "
                    "berhenti.",
                ],
                "asks": ["Boleh kami tahu perkiraan tanggal {sapaan} ingin berhenti berlangganan?"],
            },
            {
                "subjects": ["Cara bayar tagihan lewat minimarket"],
                "openings": [
                    "Apakah tagihan NusaNet bisa dibayar di Indomaret atau Alfamart? Apa "
                    "yang harus saya sebutkan ke kasir?"
                ],
                "first_replies": [
                    "Bisa. Sebutkan ke kasir pembayaran tagihan NusaNet dan nomor pelanggan "
                    "{nomor}. Biaya administrasi mengikuti ketentuan gerai.",
                ],
            },
            {
                "subjects": ["Jadwal pemeliharaan jaringan"],
                "openings": [
                    "Saya dapat SMS ada pemeliharaan jaringan minggu ini. Kapan tepatnya "
                    "dan berapa lama internet akan mati?"
                ],
                "first_replies": [
                    "Pemeliharaan jaringan di area {kota} dijadwalkan hari {hari} pukul "
                    "00.00–04.00. Selama itu internet bisa terputus sekitar 30 menit.",
                ],
            },
        ],
        "asks": ["Apakah ada hal lain yang ingin {sapaan} tanyakan? Kami tunggu balasannya."],
        "notes": ["Pertanyaan umum, sudah dijawab sesuai FAQ."],
        "holds": ["Menunggu jawaban tim terkait sebelum membalas pelanggan."],
        "solutions": [
            "Informasi lengkap sudah kami kirimkan. Bila ada pertanyaan lain, silakan hubungi kami "
            "kembali.",
            "Semoga informasinya membantu. Terima kasih telah menghubungi NusaNet.",
        ],
        "follow_ups": ["Baik, terima kasih infonya.", "Oke, saya diskusikan dulu dengan keluarga."],
    },
}

# --- texts for every category ---------------------------------------------------------------

# The requester asking whether anyone is there (before an agent answered, or while waiting).
NUDGES = [
    "Halo, apakah laporan saya sudah diterima?",
    "Mohon kabarnya, sudah dari kemarin belum ada balasan.",
    "Tolong dibalas ya, saya masih menunggu.",
    "Apakah sudah ada perkembangan?",
    "Permisi, bagaimana kelanjutan laporan saya?",
]
# The requester confirming the fix, after which the agent solves the ticket.
THANKS = [
    "Sudah normal kembali, terima kasih banyak.",
    "Sudah saya cek, sekarang sudah beres. Terima kasih atas bantuannya.",
    "Oke, sudah berhasil. Terima kasih, {agen}!",
    "Sudah, terima kasih atas responsnya yang cepat.",
]
CONFIRM_SOLVED = [
    "Terima kasih atas konfirmasinya. Laporan ini kami tandai selesai. Jangan ragu menghubungi "
    "kami kembali bila ada kendala.",
    "Senang bisa membantu. Laporan ini kami selesaikan, ya.",
    "Terima kasih atas kabarnya. Kami tutup laporan ini; semoga layanan kami kembali nyaman "
    "digunakan.",
]
AGENT_UPDATES = [
    "Terima kasih atas informasinya. Kami teruskan ke tim terkait dan kabari kembali secepatnya.",
    "Baik, sudah kami terima. Mohon ditunggu, kami sedang menindaklanjutinya.",
    "Terima kasih atas kesabarannya. Data sudah kami lengkapi dan sedang kami proses.",
]
ESCALATION_NOTES = [
    "Eskalasi ke supervisor: kasus berulang, pelanggan sudah lapor lebih dari sekali.",
    "Mohon {supervisor} bantu tindak lanjut, sudah lewat target respons.",
    "Pelanggan menyampaikan akan mengunggah keluhan ke media sosial; mohon diprioritaskan.",
    "Nominal besar, perlu persetujuan supervisor.",
]
FOLLOW_UP_OPENINGS = [
    "Menindaklanjuti tiket {nomor_tiket} yang sudah ditutup: masalahnya muncul lagi sejak "
    "{tanggal}.",
    "Ini lanjutan dari laporan saya {nomor_tiket}. Ternyata belum beres sepenuhnya.",
]

# How requesters write, by channel. {isi} is the message itself.
CUSTOMER_FORMATS = {
    "formal": [
        "Selamat {waktu},\n\n{isi}\n\nTerima kasih.\n{nama_lengkap}",
        "Yth. Tim NusaNet,\n\n{isi}\n\nHormat saya,\n{nama_lengkap}",
        "Dengan hormat,\n\n{isi}\n\nAtas perhatiannya saya ucapkan terima kasih.\n{nama_lengkap}",
        "{isi}\n\nSalam,\n{nama}",
    ],
    "chat": [  # {isi_lanjut}: the message continuing a sentence ("Halo min, internet…")
        "Halo min, {isi_lanjut}",
        "Permisi kak, {isi_lanjut}",
        "Selamat {waktu}. {isi}",
        "{isi}",
        "Min, {isi_lanjut} Makasih.",
    ],
    "phone": ["(Dicatat dari telepon) {isi}"],
    "walk_in": ["(Laporan langsung di kantor layanan {kota}) {isi}"],
    "api": ["(Dikirim dari aplikasi NusaNet) {isi}"],
}
# How agents write, by channel. {isi} is the message itself.
AGENT_FORMATS = {
    "formal": [
        "Yth. {sapaan},\n\n{isi}\n\nSalam,\n{agen_nama}\n{tim} · NusaNet",
        "Selamat {waktu}, {sapaan}.\n\n{isi}\n\nTerima kasih,\n{agen_nama}\n{tim} · NusaNet",
        "Halo {sapaan},\n\n{isi}\n\nHormat kami,\n{agen_nama}",
    ],
    "chat": [
        "Halo {sapaan}, {isi_lanjut}\n\n— {agen}, NusaNet",
        "Selamat {waktu} {sapaan}. {isi}\n\nSalam, {agen}",
        "{isi}\n\n— {agen} (NusaNet)",
    ],
}

# This morning, after the history: the supervisor routes the requests that came by e-mail
# (karcis/demo/mail.py, by the key of the sample) to an agent and a team, with a note.
TODAY: dict[str, Any] = {
    "supervisor": "hendra",
    "routing": {
        "modem": (
            "sari",
            TEAM_TECH,
            "@sari tolong dicek hari ini ya, modemnya berkedip merah sejak hujan. "
            "Pelanggan lama, sudah kirim foto lampunya.",
        ),
        "pindah": ("budi", TEAM_CARE, ""),
    },
}

# Two requests that show the SLA's clocks running whenever the demo is opened: each opened so
# that the given share of its policy's first-response target (in business hours) is used.
SLA_SHOWCASE: list[dict[str, Any]] = [
    {
        "subject": "Listrik padam sejak pagi, usaha saya berhenti",
        "text": "Sejak pukul 06.00 listrik di toko saya padam. Mohon segera dicek.",
        "priority": "urgent",
        "share": 0.8,  # at risk: more than 75% used
        "name": "Wahyu Hidayat",
        "email": "wahyu.hidayat@contoh.id",
    },
    {
        "subject": "Minta salinan tagihan tiga bulan terakhir",
        "text": "Untuk laporan kantor, saya perlu salinan tagihan Agustus sampai Oktober.",
        "priority": "normal",
        "share": 0.1,  # on time
        "name": "Lestari Wulandari",
        "email": "lestari.w@contoh.id",
    },
]
