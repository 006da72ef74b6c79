"""Indonesian help-desk text for the benchmark data: subjects, requests, replies and notes.

Built from phrase lists with random details (customer numbers, dates, places), so the
search index holds a realistic spread of words rather than a few repeated documents.
Neither planted search word (desk_load.COMMON_WORD, RARE_WORD) occurs in these lists.
"""

import random


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words(
    "Andi Budi Citra Dewi Eko Fajar Gita Hendra Indah Joko Kartika Lestari Made Nur Putri "
    "Rahmat Sari Teguh Utami Wahyu Yuni Agus Bambang Dian Fitri Hadi Ika Lina Maya Nanda "
    "Oki Pratiwi Rina Sigit Tri Umar Vina Wulan Yoga Zahra Ayu Bayu Dimas Evi Farhan "
    "Galih"
)
LAST_NAMES = _words(
    "Santoso Wijaya Lestari Pratama Saputra Hidayat Kusuma Siregar Nasution Simanjuntak "
    "Wibowo Setiawan Gunawan Halim Tanjung Purba Harahap Sihombing Lubis Rahayu Susanto "
    "Hakim Putra Maharani Permana Utomo Nugroho Firmansyah Syahputra Wulandari"
)
CITIES = _words(
    "Jakarta Bandung Surabaya Medan Makassar Semarang Palembang Denpasar Yogyakarta "
    "Malang Pontianak Manado Padang Pekanbaru Balikpapan Kupang Ambon Jayapura Mataram "
    "Banjarmasin"
)
MONTHS = _words(
    "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
)

# Each topic: subjects, sentences a customer writes, sentences an agent answers with.
TOPICS = {
    "tagihan": (
        [
            "Tagihan bulan {month} tidak sesuai",
            "Pembayaran sudah dilakukan tetapi status belum lunas",
            "Denda keterlambatan muncul padahal sudah bayar",
            "Mohon rincian tagihan nomor pelanggan {num}",
            "Tagihan ganda untuk periode {month}",
            "Permintaan pengembalian dana transaksi {num}",
        ],
        [
            "Tagihan saya bulan {month} tercatat Rp{amount} padahal biasanya jauh lebih kecil.",
            "Saya sudah membayar lewat transfer bank pada tanggal {day} {month} tetapi status masih belum lunas.",
            "Nomor pelanggan saya {num} atas nama {name}.",
            "Mohon dicek karena saya tidak pernah menambah layanan apa pun.",
            "Bukti transfer sudah saya simpan dan bisa saya kirim bila diperlukan.",
            "Saldo terpotong dua kali untuk transaksi yang sama.",
            "Apakah denda bisa dihapus karena keterlambatan bukan kesalahan saya?",
        ],
        [
            "Kami sudah memeriksa riwayat pembayaran untuk nomor pelanggan {num}.",
            "Pembayaran tanggal {day} {month} sudah kami terima dan status akan diperbarui dalam satu hari kerja.",
            "Selisih tagihan berasal dari pemakaian tambahan pada periode {month}.",
            "Kami telah mengajukan koreksi tagihan sebesar Rp{amount} ke bagian keuangan.",
            "Dana yang terpotong ganda akan dikembalikan paling lambat tujuh hari kerja.",
        ],
    ),
    "teknis": (
        [
            "Internet putus sejak {day} {month}",
            "Koneksi lambat di wilayah {city}",
            "Aplikasi keluar sendiri saat dibuka",
            "Tidak bisa mengunggah dokumen di portal",
            "Layanan mati total sejak pagi",
            "Sinyal hilang setiap malam di {city}",
        ],
        [
            "Sejak tanggal {day} {month} koneksi di rumah saya di {city} sering terputus.",
            "Kecepatan hanya sekitar {small} Mbps padahal paket saya jauh lebih besar.",
            "Aplikasi versi terbaru langsung tertutup setiap kali saya membuka menu riwayat.",
            "Saya sudah mencoba mematikan dan menyalakan ulang perangkat tetapi tidak ada perubahan.",
            "Tetangga saya juga mengalami gangguan yang sama.",
            "Muncul pesan galat kode {small} ketika saya menekan tombol kirim.",
            "Nomor pelanggan saya {num}, alamat pemasangan di {city}.",
        ],
        [
            "Teknisi kami menemukan gangguan jaringan di area {city} dan sedang memperbaikinya.",
            "Mohon coba hapus data aplikasi lalu masuk kembali dengan akun Anda.",
            "Kami sudah mengatur ulang port pelanggan {num} dari pusat data.",
            "Jadwal kunjungan teknisi sudah kami buat untuk tanggal {day} {month}.",
            "Perbaikan perangkat lunak akan dirilis dalam pembaruan minggu ini.",
        ],
    ),
    "akun": (
        [
            "Tidak bisa masuk ke akun",
            "Lupa kata sandi dan email pemulihan tidak aktif",
            "Permintaan ganti nomor telepon terdaftar",
            "Akun terkunci setelah salah memasukkan kata sandi",
            "Mohon hapus data pribadi saya",
            "Ganti alamat email akun {num}",
        ],
        [
            "Setiap kali saya masuk muncul pesan bahwa kata sandi salah padahal sudah benar.",
            "Email pemulihan yang terdaftar sudah tidak saya gunakan lagi.",
            "Nomor telepon lama saya sudah hangus dan saya ingin menggantinya.",
            "Akun saya terkunci sejak kemarin setelah beberapa kali mencoba masuk.",
            "Saya bersedia mengirim salinan identitas untuk verifikasi.",
            "Nama pada akun tertulis {name} dengan nomor {num}.",
        ],
        [
            "Untuk keamanan, kami perlu memverifikasi identitas Anda terlebih dahulu.",
            "Akun Anda sudah kami buka kembali; silakan atur ulang kata sandi melalui tautan yang kami kirim.",
            "Nomor telepon terdaftar sudah kami perbarui sesuai permintaan.",
            "Permintaan penghapusan data akan diproses dalam empat belas hari kerja.",
        ],
    ),
    "pengiriman": (
        [
            "Paket belum diterima sejak {day} {month}",
            "Barang yang diterima rusak",
            "Nomor resi {num} tidak bisa dilacak",
            "Permintaan ganti alamat pengiriman ke {city}",
            "Pesanan dibatalkan tanpa pemberitahuan",
        ],
        [
            "Pesanan saya dengan nomor {num} seharusnya tiba tanggal {day} {month} tetapi belum sampai.",
            "Kemasan sobek dan barang di dalamnya pecah.",
            "Nomor resi tidak ditemukan di situs jasa pengiriman.",
            "Saya pindah ke {city} dan ingin mengubah alamat tujuan.",
            "Foto kondisi barang bisa saya kirimkan.",
        ],
        [
            "Kami sudah menghubungi mitra pengiriman di {city} untuk menelusuri paket Anda.",
            "Penggantian barang akan dikirim ulang tanpa biaya tambahan.",
            "Alamat pengiriman sudah kami ubah; perkiraan tiba {day} {month}.",
            "Mohon kirimkan foto kemasan agar klaim dapat kami proses.",
        ],
    ),
    "layanan": (
        [
            "Keluhan pelayanan petugas di kantor {city}",
            "Permintaan informasi jam layanan",
            "Saran untuk antrean di kantor {city}",
            "Permohonan surat keterangan",
            "Pertanyaan syarat pendaftaran layanan baru",
        ],
        [
            "Saya datang ke kantor {city} pada tanggal {day} {month} dan menunggu lebih dari dua jam.",
            "Petugas tidak memberi penjelasan yang jelas tentang persyaratan.",
            "Mohon informasi jam buka layanan pada hari Sabtu.",
            "Saya membutuhkan surat keterangan untuk keperluan pengajuan pinjaman.",
            "Persyaratan apa saja yang harus dibawa untuk pendaftaran?",
        ],
        [
            "Terima kasih atas masukan Anda; keluhan ini sudah kami teruskan ke kepala kantor {city}.",
            "Layanan buka Senin sampai Jumat pukul 08.00 sampai 15.00 dan Sabtu sampai pukul 12.00.",
            "Surat keterangan dapat diambil tiga hari kerja setelah berkas lengkap.",
            "Persyaratan lengkap tersedia di portal kami pada menu layanan.",
        ],
    ),
}
TOPIC_NAMES = tuple(TOPICS)
GREETINGS = ("Selamat pagi,", "Selamat siang,", "Selamat sore,", "Halo,", "Dengan hormat,")
CLOSINGS = ("Terima kasih.", "Mohon bantuannya.", "Terima kasih atas bantuannya.", "Salam,")
FOLLOW_UPS = (
    "Sampai hari ini masalahnya belum selesai.",
    "Terima kasih, sekarang sudah normal kembali.",
    "Apakah ada kabar terbaru tentang laporan saya?",
    "Saya masih menunggu tindak lanjut dari tim.",
    "Baik, saya akan mencoba langkah yang disarankan.",
    "Masalah muncul lagi tadi malam sekitar pukul {small}.",
)
NOTES = (
    "Sudah dicek di sistem, data pelanggan {num} sesuai.",
    "Perlu konfirmasi dari tim {city} sebelum dibalas.",
    "Pelanggan prioritas, mohon dipantau.",
    "Kasus serupa dilaporkan dari {city} minggu ini.",
    "Menunggu jawaban vendor untuk nomor {num}.",
)


class TextMaker:
    """Random but reproducible ticket text (seeded)."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def _fill(self, template: str, name: str) -> str:
        r = self.rng
        return template.format(
            month=r.choice(MONTHS),
            day=r.randint(1, 28),
            city=r.choice(CITIES),
            num=r.randint(10_000_000, 99_999_999),
            amount=f"{r.randint(50, 2_500) * 1_000:,}".replace(",", "."),
            small=r.randint(2, 40),
            name=name,
        )

    def person_name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def topic(self) -> str:
        return self.rng.choice(TOPIC_NAMES)

    def subject(self, topic: str, name: str) -> str:
        return self._fill(self.rng.choice(TOPICS[topic][0]), name)

    def request(self, topic: str, name: str, extra: str = "") -> str:
        """A customer's first message: greeting, 2–4 sentences, closing, name."""
        sentences = self.rng.sample(TOPICS[topic][1], self.rng.randint(2, 4))
        body = " ".join(self._fill(s, name) for s in sentences)
        if extra:
            body = f"{body} {extra}"
        return f"{self.rng.choice(GREETINGS)}\n{body}\n\n{self.rng.choice(CLOSINGS)}\n{name}"

    def agent_reply(self, topic: str, customer: str, agent: str) -> str:
        sentences = self.rng.sample(TOPICS[topic][2], self.rng.randint(1, 3))
        body = " ".join(self._fill(s, customer) for s in sentences)
        return f"Yth. Bapak/Ibu {customer},\n{body}\n\nSalam,\n{agent}"

    def customer_follow_up(self, name: str) -> str:
        return f"{self._fill(self.rng.choice(FOLLOW_UPS), name)}\n{name}"

    def note(self, name: str) -> str:
        return self._fill(self.rng.choice(NOTES), name)
