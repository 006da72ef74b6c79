"""The TV board's spoken calls: number words, the phrase, and the cached audio."""

import os
import shutil
import stat
import subprocess
import threading
import time
import wave

import pytest
from hypothesis import given
from hypothesis import strategies as st

from karcis.queueing import speech
from karcis.queueing.speech import (
    MAX_NUMBER,
    announcement_audio,
    audio_cache_key,
    call_phrase,
    number_spoken,
    words_en,
    words_id,
)

# --- number words ---------------------------------------------------------------------------

KNOWN_ID = [
    (0, "nol"),
    (1, "satu"),
    (7, "tujuh"),
    (10, "sepuluh"),
    (11, "sebelas"),
    (12, "dua belas"),
    (19, "sembilan belas"),
    (20, "dua puluh"),
    (21, "dua puluh satu"),
    (99, "sembilan puluh sembilan"),
    (100, "seratus"),
    (101, "seratus satu"),
    (110, "seratus sepuluh"),
    (111, "seratus sebelas"),
    (200, "dua ratus"),
    (234, "dua ratus tiga puluh empat"),
    (1000, "seribu"),
    (1001, "seribu satu"),
    (1100, "seribu seratus"),
    (2000, "dua ribu"),
    (10_000, "sepuluh ribu"),
    (11_000, "sebelas ribu"),
    (12_345, "dua belas ribu tiga ratus empat puluh lima"),
    (100_000, "seratus ribu"),
    (101_000, "seratus satu ribu"),
    (201_001, "dua ratus satu ribu satu"),
    (
        999_999,
        "sembilan ratus sembilan puluh sembilan ribu sembilan ratus sembilan puluh sembilan",
    ),
]

KNOWN_EN = [
    (0, "zero"),
    (12, "twelve"),
    (20, "twenty"),
    (42, "forty-two"),
    (100, "one hundred"),
    (105, "one hundred and five"),
    (1000, "one thousand"),
    (1005, "one thousand and five"),
    (21_000, "twenty-one thousand"),
    (999_999, "nine hundred and ninety-nine thousand nine hundred and ninety-nine"),
]


@pytest.mark.parametrize(("n", "words"), KNOWN_ID)
def test_indonesian_words_of_known_numbers(n, words):
    assert words_id(n) == words


@pytest.mark.parametrize(("n", "words"), KNOWN_EN)
def test_english_words_of_known_numbers(n, words):
    assert words_en(n) == words


@pytest.mark.parametrize("n", [-1, MAX_NUMBER + 1])
def test_numbers_out_of_range_are_refused(n):
    with pytest.raises(ValueError):
        words_id(n)
    with pytest.raises(ValueError):
        words_en(n)


_ID_VALUES = {word: value for value, word in enumerate(speech._ID_UNITS)}
# "se-" is "one" fused with what follows.
_ID_FUSED = {"sepuluh": "puluh", "sebelas": "belas", "seratus": "ratus", "seribu": "ribu"}


def _read_id(text: str) -> int:
    """An independent reader of Indonesian number words (the inverse of words_id)."""
    total = group = pending = 0
    for word in text.split():
        if word in _ID_FUSED:
            pending, word = 1, _ID_FUSED[word]
        if word in _ID_VALUES:
            pending = _ID_VALUES[word]
        elif word == "belas":
            group, pending = group + 10 + pending, 0
        elif word == "puluh":
            group, pending = group + 10 * pending, 0
        elif word == "ratus":
            group, pending = group + 100 * pending, 0
        elif word == "ribu":
            total, group, pending = total + 1000 * (group + pending), 0, 0
        else:
            raise AssertionError(f"not a number word: {word!r}")
    return total + group + pending


_EN_VALUES = {word: value for value, word in enumerate(speech._EN_UNITS)} | {
    word: 10 * value for value, word in enumerate(speech._EN_TENS) if word
}


def _read_en(text: str) -> int:
    total = group = 0
    for word in text.replace("-", " ").split():
        if word == "and":
            continue
        if word == "hundred":
            group *= 100
        elif word == "thousand":
            total, group = total + 1000 * group, 0
        else:
            group += _EN_VALUES[word]
    return total + group


@given(st.integers(min_value=0, max_value=MAX_NUMBER))
def test_indonesian_words_read_back_as_the_number(n):
    assert _read_id(words_id(n)) == n


@given(st.integers(min_value=0, max_value=MAX_NUMBER))
def test_english_words_read_back_as_the_number(n):
    assert _read_en(words_en(n)) == n


@given(st.integers(min_value=1, max_value=MAX_NUMBER))
def test_indonesian_words_use_the_fused_one(n):
    """'satu' never stands before ratus, puluh or belas, nor before ribu at the start:
    one hundred is 'seratus', one thousand 'seribu'."""
    words = words_id(n)
    assert "nol" not in words.split()
    for unit in ("ratus", "puluh", "belas"):
        assert f"satu {unit}" not in words
    assert not words.startswith("satu ribu")


# --- the phrase -----------------------------------------------------------------------------

KNOWN_PHRASES = [
    ("A-012", "3", "id", "Nomor antrean A nol dua belas, silakan ke loket tiga."),
    ("A-012", "3", "en", "Queue number A zero twelve, please go to counter three."),
    ("B-042", "12", "id", "Nomor antrean B nol empat puluh dua, silakan ke loket dua belas."),
    ("A-100", "1", "id", "Nomor antrean A seratus, silakan ke loket satu."),
    ("A-000", "2", "id", "Nomor antrean A nol nol nol, silakan ke loket dua."),
    ("C-0010", "10", "id", "Nomor antrean C nol nol sepuluh, silakan ke loket sepuluh."),
    ("ab7", "Poli Anak", "id", "Nomor antrean A B tujuh, silakan ke loket Poli Anak."),
    ("a 5", " 03 ", "id", "Nomor antrean A lima, silakan ke loket tiga."),
    ("K-007", "B2", "en", "Queue number K zero zero seven, please go to counter B2."),
    (
        "1234567",
        "2",
        "id",
        "Nomor antrean satu dua tiga empat lima enam tujuh, silakan ke loket dua.",
    ),
]


@pytest.mark.parametrize(("number", "counter", "language", "phrase"), KNOWN_PHRASES)
def test_known_calls(number, counter, language, phrase):
    assert call_phrase(number, counter, language) == phrase


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError):
        call_phrase("A-012", "3", language="jv")


@given(
    letters=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=2),
    digits=st.text(alphabet="0123456789", min_size=1, max_size=6),
)
def test_a_spoken_number_reads_back_as_written(letters, digits):
    """Letters spelt one by one, then each leading zero, then the rest as one number: a
    listener who writes down what is said gets the number back."""
    words = number_spoken(f"{letters}-{digits}").split()
    assert words[: len(letters)] == list(letters)
    rest = words[len(letters) :]
    zeros = 0
    while zeros < len(rest) and rest[zeros] == "nol":
        zeros += 1
    value = " ".join(rest[zeros:])
    assert "0" * zeros + (str(_read_id(value)) if value else "") == digits


# --- the audio ------------------------------------------------------------------------------


def _require_espeak():
    if shutil.which("espeak-ng") is None:
        reason = "espeak-ng is not installed (apt-get install espeak-ng; .ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _duration(path):
    with wave.open(str(path), "rb") as audio:
        assert audio.getnchannels() == 1
        assert audio.getsampwidth() == 2
        assert audio.getframerate() >= 8000
        return audio.getnframes() / audio.getframerate()


@pytest.fixture
def runs(monkeypatch):
    """Counts espeak-ng's runs, letting them through."""
    calls = []
    real_run = subprocess.run

    def counting_run(*args, **kwargs):
        calls.append(args)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(speech.subprocess, "run", counting_run)
    return calls


@pytest.mark.parametrize(("language", "counter"), [("id", "3"), ("en", "3")])
def test_a_call_is_synthesised_as_a_whole_wav(tmp_path, language, counter):
    _require_espeak()
    phrase = call_phrase("A-012", counter, language)
    path = announcement_audio(phrase, language=language, cache_dir=tmp_path)
    assert path is not None
    assert path.parent == tmp_path
    assert path.read_bytes()[:4] == b"RIFF"
    assert path.read_bytes()[8:12] == b"WAVE"
    # Nine or ten words at 140 a minute: about four seconds.
    assert 1.5 < _duration(path) < 15


def test_the_same_call_is_synthesised_once(tmp_path, runs):
    _require_espeak()
    phrase = call_phrase("A-012", "3")
    first = announcement_audio(phrase, cache_dir=tmp_path)
    assert first is not None
    written = first.stat().st_mtime_ns

    again = announcement_audio(phrase, cache_dir=tmp_path)

    assert again == first
    assert first.stat().st_mtime_ns == written
    assert len(runs) == 1


def test_the_cache_tells_calls_languages_and_voices_apart():
    phrase = call_phrase("A-012", "3")
    assert audio_cache_key(phrase) == audio_cache_key(phrase, language="id")
    assert audio_cache_key(phrase) != audio_cache_key(call_phrase("A-013", "3"))
    assert audio_cache_key(phrase) != audio_cache_key(phrase, language="en")


def test_two_threads_asking_at_once_get_one_whole_file(tmp_path, monkeypatch):
    _require_espeak()
    calls = []
    real_run = subprocess.run

    def slow_run(*args, **kwargs):
        calls.append(args)
        time.sleep(0.2)  # the other thread arrives while this one is synthesising
        return real_run(*args, **kwargs)

    monkeypatch.setattr(speech.subprocess, "run", slow_run)
    phrase = call_phrase("B-007", "5")
    start = threading.Barrier(2)
    results = []

    def ask():
        start.wait()
        results.append(announcement_audio(phrase, cache_dir=tmp_path))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(calls) == 1
    assert results[0] == results[1] is not None
    assert list(tmp_path.iterdir()) == [results[0]]  # no temporary file left behind
    assert 1.0 < _duration(results[0]) < 15


def test_without_espeak_there_is_no_audio_and_one_warning(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(speech.shutil, "which", lambda name: None)
    monkeypatch.setattr(speech, "_missing_logged", False)

    assert announcement_audio("Nomor antrean A satu.", cache_dir=tmp_path) is None
    assert announcement_audio("Nomor antrean A dua.", cache_dir=tmp_path) is None

    warnings = [r for r in caplog.records if "espeak-ng is not installed" in r.getMessage()]
    assert len(warnings) == 1
    assert list(tmp_path.iterdir()) == []


def _fake_espeak(tmp_path, script):
    path = tmp_path / "fake-espeak"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_a_failed_synthesis_leaves_no_file(tmp_path, monkeypatch, caplog):
    cache = tmp_path / "cache"
    monkeypatch.setattr(speech, "ESPEAK", _fake_espeak(tmp_path, "echo broken >&2; exit 3"))

    assert announcement_audio("Nomor antrean A satu.", cache_dir=cache) is None

    assert list(cache.iterdir()) == []
    assert any("exit status 3: broken" in r.getMessage() for r in caplog.records)


def test_a_synthesis_that_hangs_is_stopped(tmp_path, monkeypatch, caplog):
    cache = tmp_path / "cache"
    monkeypatch.setattr(speech, "ESPEAK", _fake_espeak(tmp_path, "exec sleep 30"))
    monkeypatch.setattr(speech, "SYNTHESIS_TIMEOUT_SECONDS", 0.3)

    started = time.monotonic()
    assert announcement_audio("Nomor antrean A satu.", cache_dir=cache) is None

    assert time.monotonic() - started < 5
    assert list(cache.iterdir()) == []
    assert any("timed out" in r.getMessage() for r in caplog.records)
