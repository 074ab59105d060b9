"""A virtual microphone for the audio tests: PulseAudio with a null sink, speech from espeak-ng.

    pytest_plugins = ("tests.virtual_mic",)   # in the test module: one mic per session

    def test_x(virtual_mic: VirtualMic) -> None:
        virtual_mic.say("hello world")      # what PortAudio's default input records

A private PulseAudio runs in a temporary XDG_RUNTIME_DIR with one null sink, ``vmic``; its
monitor is the default source, so PortAudio's ``default`` (and ``pulse``) input device -
ALSA's pulse plugin - records whatever is played into the sink. ``PULSE_SERVER`` and
``PULSE_SOURCE`` are set for this process before sounddevice is imported (PortAudio lists
the devices when it initialises; if it already had, it is re-initialised).

A ``parec`` keeps reading the monitor for the whole session: an idle null sink wakes up
only every 2 s, so without it a new recording's first audio would arrive 2 s late.

Needs Debian's pulseaudio, pulseaudio-utils, libasound2-plugins, libportaudio2 and
espeak-ng. If any is missing or the server does not start, the fixture fails and says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SINK = "vmic"
SOURCE = f"{SINK}.monitor"
TOOLS = ("pulseaudio", "pactl", "paplay", "parec", "espeak-ng")
DEBIAN_PACKAGES = "pulseaudio pulseaudio-utils libasound2-plugins libportaudio2 espeak-ng"


class VirtualMicError(RuntimeError):
    """The virtual microphone cannot run here."""


class VirtualMic:
    """A private PulseAudio whose null sink's monitor is the default input."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runtime_dir = root / "runtime"
        self.server = f"unix:{self.runtime_dir}/pulse/native"
        self.log = root / "pulseaudio.log"
        self._daemon: subprocess.Popen[bytes] | None = None
        self._keepalive: subprocess.Popen[bytes] | None = None
        self._count = 0

    # -- environment -----------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        """The variables that point PulseAudio clients (and so PortAudio) at this server."""
        return {
            "XDG_RUNTIME_DIR": str(self.runtime_dir),
            "PULSE_SERVER": self.server,
            "PULSE_SOURCE": SOURCE,
            "PULSE_SINK": SINK,
            "PULSE_COOKIE": str(self.root / "cookie"),
        }

    def _tool_env(self) -> dict[str, str]:
        return {
            **os.environ,
            **self.env,
            "HOME": str(self.root / "home"),
            "XDG_CONFIG_HOME": str(self.root / "config"),
        }

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the server with the sink, make its monitor the default source."""
        missing = [tool for tool in TOOLS if shutil.which(tool) is None]
        if missing:
            raise VirtualMicError(
                f"the virtual microphone needs {', '.join(missing)}: "
                f"apt-get install -y {DEBIAN_PACKAGES}"
            )
        for directory in (self.runtime_dir, self.root / "home", self.root / "config"):
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.runtime_dir.chmod(0o700)
        log = self.log.open("ab")
        self._daemon = subprocess.Popen(
            [
                "pulseaudio",
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--disallow-exit",
                "-n",
                "--use-pid-file=no",
                "--log-target=stderr",
                "--load=module-native-protocol-unix auth-anonymous=1",
                f"--load=module-null-sink sink_name={SINK} "
                "sink_properties=device.description=VirtualMic",
            ],
            env=self._tool_env(),
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + 10
        while self._pactl("info").returncode != 0:
            if self._daemon.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise VirtualMicError(
                    "PulseAudio did not start: " + self.log.read_text(errors="replace")[-2000:]
                )
            time.sleep(0.05)
        result = self._pactl("set-default-source", SOURCE)
        if result.returncode != 0:
            self.stop()
            raise VirtualMicError(f"pactl set-default-source failed: {result.stderr!r}")
        self._keepalive = subprocess.Popen(
            ["parec", "-d", SOURCE, "--latency-msec=20", "--raw"],
            env=self._tool_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        time.sleep(2.1)  # the sink's first idle wake-up, after which it follows parec

    def kill_server(self) -> None:
        """Kill PulseAudio now, as if the microphone vanished (recordings lose their device)."""
        for process in (self._keepalive, self._daemon):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        self._keepalive = self._daemon = None

    def stop(self) -> None:
        """Stop the keep-alive reader and the server this object started."""
        for process in (self._keepalive, self._daemon):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        self._keepalive = self._daemon = None

    def _pactl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["pactl", *args], env=self._tool_env(), capture_output=True, text=True, timeout=10
        )

    def recording_clients(self) -> int:
        """How many streams are recording from the microphone (the keep-alive is one)."""
        result = self._pactl("list", "short", "source-outputs")
        return len([line for line in result.stdout.splitlines() if line.strip()])

    # -- speech ----------------------------------------------------------------------------

    def render(self, text: str, *, speed: int = 175, gap: int = 0) -> Path:
        """espeak-ng's rendering of ``text`` as a WAV file (22.05 kHz mono).

        Args:
            text: What to say.
            speed: Words per minute.
            gap: Extra pause between words, in units of 10 ms.
        """
        self._count += 1
        path = self.root / f"speech-{self._count}.wav"
        subprocess.run(
            ["espeak-ng", "-s", str(speed), "-g", str(gap), "-w", str(path), text],
            check=True,
            capture_output=True,
            timeout=30,
        )
        return path

    def play(self, path: Path) -> None:
        """Play a sound file into the microphone; returns when it has been played."""
        subprocess.run(
            ["paplay", "-d", SINK, str(path)],
            env=self._tool_env(),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def say(self, text: str) -> None:
        """Speak ``text`` into the microphone; returns when it has been said."""
        self.play(self.render(text))


@pytest.fixture(scope="session", name="virtual_mic")
def virtual_mic_fixture() -> Iterator[VirtualMic]:
    """A running virtual microphone for the whole session, PortAudio pointed at it."""
    root = Path(tempfile.mkdtemp(prefix="groq-tui-vmic-"))
    mic = VirtualMic(root)
    try:
        mic.start()
    except VirtualMicError as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"the virtual microphone cannot start: {exc}", pytrace=False)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in mic.env.items():
            patch.setenv(name, value)
        if "sounddevice" in sys.modules:  # PortAudio listed the devices before the mic existed
            from groq_tui.audio.portaudio import refresh_devices

            refresh_devices()
        try:
            yield mic
        finally:
            mic.stop()
            shutil.rmtree(root, ignore_errors=True)
