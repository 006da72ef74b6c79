"""What the TV board says when a counter calls a number: the words, and the audio, offline.

How a call is read (``call_phrase``):

* The queue number is cut into runs of letters and runs of digits; anything else (the dash
  of ``A-012``, spaces) only separates them.
* Letters are spelt one by one, upper case: ``AB-7`` starts "A B". The Indonesian voice
  reads a lone letter by its name ("a", "be", "ka", ...); the English voice reads a lone
  "A" as the article ("uh"), every other letter by its name.
* In a run of digits, each leading zero is read "nol" ("zero") and the rest as one number:
  ``012`` is "nol dua belas", ``100`` is "seratus", ``000`` is "nol nol nol". A rest longer
  than six digits (beyond what ``words_id`` reads) is read digit by digit.
* A counter named by a number is read in words (``3`` and ``03`` are both "tiga"); any
  other counter name ("Poli Anak", "B2") is read as written.

So ``call_phrase("A-012", "3")`` is "Nomor antrean A nol dua belas, silakan ke loket tiga."
and in English "Queue number A zero twelve, please go to counter three."

The language of an announcement is the board's setting, not the language of whoever is
signed in, so the phrases are not gettext strings: each language here is its own grammar.

The audio (``announcement_audio``) comes from espeak-ng, Debian's offline synthesiser, and
is cached per phrase: a call said once is never synthesised again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import wave
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

LANGUAGES = ("id", "en")

# --- number words ---------------------------------------------------------------------------

_ID_UNITS = (
    "nol",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
)

_EN_UNITS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")

MAX_NUMBER = 999_999


def _check_range(n: int) -> None:
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"{n} is outside 0..{MAX_NUMBER}")


def _id_below_thousand(n: int) -> list[str]:
    """Words for 1..999 (0 gives no words: "seratus", not "seratus nol")."""
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds > 1:
        words += [_ID_UNITS[hundreds], "ratus"]
    if rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif 12 <= rest <= 19:
        words += [_ID_UNITS[rest - 10], "belas"]
    elif rest >= 20:
        tens, units = divmod(rest, 10)
        words += [_ID_UNITS[tens], "puluh"]
        if units:
            words.append(_ID_UNITS[units])
    elif rest > 0:
        words.append(_ID_UNITS[rest])
    return words


def words_id(n: int) -> str:
    """Indonesian words for 0..999 999: 12 → "dua belas", 1000 → "seribu",
    234 → "dua ratus tiga puluh empat", 101 000 → "seratus satu ribu"."""
    _check_range(n)
    if n == 0:
        return "nol"
    thousands, rest = divmod(n, 1000)
    words: list[str] = []
    if thousands == 1:
        words.append(
            "seribu"
        )  # only a thousand on its own is "se-": 201 000 is "dua ratus satu ribu"
    elif thousands > 1:
        words += [*_id_below_thousand(thousands), "ribu"]
    words += _id_below_thousand(rest)
    return " ".join(words)


def _en_below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [_EN_UNITS[hundreds], "hundred"]
        if rest:
            words.append("and")  # spoken British usage: "one hundred and five"
    if rest >= 20:
        tens, units = divmod(rest, 10)
        words.append(f"{_EN_TENS[tens]}-{_EN_UNITS[units]}" if units else _EN_TENS[tens])
    elif rest > 0:
        words.append(_EN_UNITS[rest])
    return words


def words_en(n: int) -> str:
    """English words for 0..999 999: 12 → "twelve", 105 → "one hundred and five",
    21 000 → "twenty-one thousand"."""
    _check_range(n)
    if n == 0:
        return "zero"
    thousands, rest = divmod(n, 1000)
    words: list[str] = []
    if thousands:
        words += [*_en_below_thousand(thousands), "thousand"]
        if 0 < rest < 100:
            words.append("and")  # "one thousand and five"
    words += _en_below_thousand(rest)
    return " ".join(words)


# --- the phrase -----------------------------------------------------------------------------

_WORDS: dict[str, Callable[[int], str]] = {"id": words_id, "en": words_en}
_PHRASES = {
    "id": "Nomor antrean {number}, silakan ke loket {counter}.",
    "en": "Queue number {number}, please go to counter {counter}.",
}
_RUNS = re.compile(r"[^\W\d_]+|\d+")
_DIGITS = re.compile(r"\d+", re.ASCII)


def _digits_spoken(digits: str, words: Callable[[int], str]) -> list[str]:
    """'012' → ['nol', 'dua belas']: each leading zero on its own, the rest as a number."""
    significant = digits.lstrip("0")
    spoken = [words(0)] * (len(digits) - len(significant))
    if len(significant) > len(str(MAX_NUMBER)):
        spoken += [words(int(digit)) for digit in significant]
    elif significant:
        spoken.append(words(int(significant)))
    return spoken


def number_spoken(number: str, language: str = "id") -> str:
    """The queue number as read aloud: "A-012" → "A nol dua belas" (rules: module docstring)."""
    words = _words_for(language)
    spoken: list[str] = []
    for run in _RUNS.findall(number):
        if run.isdigit():
            spoken += _digits_spoken(run, words)
        else:
            spoken += list(run.upper())
    return " ".join(spoken)


def counter_spoken(counter: str, language: str = "id") -> str:
    """A counter named by a number in words ("3" → "tiga"), any other name as written."""
    words = _words_for(language)
    name = counter.strip()
    if _DIGITS.fullmatch(name) and int(name) <= MAX_NUMBER:
        return words(int(name))
    return name


def call_phrase(number: str, counter: str, language: str = "id") -> str:
    """The announcement of a call: ("A-012", "3") →
    "Nomor antrean A nol dua belas, silakan ke loket tiga." ("en": "Queue number A zero
    twelve, please go to counter three."). Raises ValueError for another language."""
    _words_for(language)
    return _PHRASES[language].format(
        number=number_spoken(number, language), counter=counter_spoken(counter, language)
    )


def _words_for(language: str) -> Callable[[int], str]:
    try:
        return _WORDS[language]
    except KeyError:
        raise ValueError(f"no announcements in {language!r}; known: {LANGUAGES}") from None


# --- the audio ------------------------------------------------------------------------------

ESPEAK = "espeak-ng"
VOICES = {"id": "id", "en": "en"}
# Words per minute: a little slower than espeak-ng's 175, for a hall with echo.
SPEED_WPM = 140
SYNTHESIS_TIMEOUT_SECONDS = 15.0

# Threads asking for the same phrase wait for one synthesis instead of each running one.
# A fixed set of locks, picked by the phrase's hash, so that the set never grows. (Separate
# processes may still synthesise one phrase twice at worst; the atomic rename keeps the
# file whole either way.)
_LOCKS = tuple(threading.Lock() for _ in range(32))
_missing_logged = False


def audio_cache_key(phrase: str, *, language: str = "id") -> str:
    """The file name of a phrase's audio: it changes with anything that changes the sound."""
    voice = _voice_for(language)
    identity = json.dumps([language, voice, SPEED_WPM, phrase], ensure_ascii=False)
    return f"{language}-{hashlib.sha256(identity.encode()).hexdigest()[:40]}.wav"


def announcement_audio(phrase: str, *, language: str = "id", cache_dir: Path) -> Path | None:
    """The phrase spoken, as a WAV file in ``cache_dir`` (synthesised on first use, then
    served from there). None when espeak-ng is not installed (logged once) or fails (logged
    each time): the board shows the call anyway, it just stays silent."""
    path = Path(cache_dir) / audio_cache_key(phrase, language=language)
    if path.exists():
        return path
    with _LOCKS[hash(path.name) % len(_LOCKS)]:
        if path.exists():  # another thread made it while this one waited
            return path
        executable = shutil.which(ESPEAK)
        if executable is None:
            _log_missing_once()
            return None
        return _synthesise(executable, phrase, voice=_voice_for(language), path=path)


def _voice_for(language: str) -> str:
    try:
        return VOICES[language]
    except KeyError:
        raise ValueError(f"no voice for {language!r}; known: {tuple(VOICES)}") from None


def _log_missing_once() -> None:
    global _missing_logged
    if not _missing_logged:
        _missing_logged = True
        logger.warning(
            "%s is not installed: calls are shown but not spoken (apt-get install espeak-ng)",
            ESPEAK,
        )


def _synthesise(executable: str, phrase: str, *, voice: str, path: Path) -> Path | None:
    """Write the audio to a temporary file beside ``path``, then rename it into place: a
    reader sees either no file or a whole one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".wav.part")
    os.close(handle)
    try:
        subprocess.run(
            # The text comes on stdin (UTF-8, -b 1), so a phrase can never be read as an option.
            [executable, "-v", voice, "-s", str(SPEED_WPM), "-b", "1", "--stdin", "-w", temporary],
            input=phrase.encode(),
            capture_output=True,
            timeout=SYNTHESIS_TIMEOUT_SECONDS,
            check=True,
        )
        _check_wav(Path(temporary))
        os.replace(temporary, path)
    except (OSError, subprocess.SubprocessError, wave.Error) as error:
        logger.error("%s could not speak %r: %s", ESPEAK, phrase, _describe(error))
        Path(temporary).unlink(missing_ok=True)
        return None
    return path


def _check_wav(path: Path) -> None:
    with wave.open(str(path), "rb") as audio:
        if audio.getnframes() == 0:
            raise wave.Error("no audio")


def _describe(error: BaseException) -> str:
    if isinstance(error, subprocess.CalledProcessError):
        return f"exit status {error.returncode}: {error.stderr.decode(errors='replace').strip()}"
    return str(error) or type(error).__name__
