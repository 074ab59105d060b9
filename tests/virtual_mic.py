"""A virtual microphone for the audio tests: PulseAudio with a null sink, speech from espeak-ng.

    pytest_plugins = ("tests.virtual_mic",)   # in the test module: one mic per session

    def test_x(virtual_mic: VirtualMic) -> None:
        virtual_mic.say("hello world")      # what PortAudio's default input records
        heard = virtual_mic.listen()        # what PortAudio's default output plays

A private PulseAudio runs in a temporary XDG_RUNTIME_DIR with two null sinks. ``vmic``'s
monitor is the default source, so PortAudio's ``default`` (and ``pulse``) input device -
ALSA's pulse plugin - records whatever is played into the sink. ``PULSE_SERVER`` and
``PULSE_SOURCE`` are set for this process before sounddevice is imported (PortAudio lists
the devices when it initialises; if it already had, it is re-initialised).

A ``parec`` keeps reading the monitor for the whole session: an idle null sink wakes up
only every 2 s, so without it a new recording's first audio would arrive 2 s late.

Needs Debian's pulseaudio, pulseaudio-utils, libasound2-plugins, libportaudio2 and
espeak-ng. ``vspeaker`` is the default output: ``listen()`` records what programs play
(never heard by the microphone, so playback cannot loop back into a recording).

If any is missing or the server does not start, the fixture fails and says why.
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

import numpy as np
import pytest

SINK = "vmic"
SOURCE = f"{SINK}.monitor"
SPEAKER = "vspeaker"
"""A second null sink, the default output: what programs play, never heard by the mic."""
LISTEN_RATE = 48_000
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
            "PULSE_SINK": SPEAKER,
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
                # At the rate the recording is made: PulseAudio's own resampler (speex,
                # quality 1) smeared speech enough for Whisper tiny to mishear words.
                f"--load=module-null-sink sink_name={SPEAKER} rate={LISTEN_RATE} "
                "sink_properties=device.description=VirtualSpeaker",
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
        for command, name in (("set-default-source", SOURCE), ("set-default-sink", SPEAKER)):
            result = self._pactl(command, name)
            if result.returncode != 0:
                self.stop()
                raise VirtualMicError(f"pactl {command} failed: {result.stderr!r}")
        self._keepalive = subprocess.Popen(
            ["parec", "-d", SOURCE, "--latency-msec=20", "--raw"],
            env=self._tool_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        self._wait_until_the_sink_follows()

    def _wait_until_the_sink_follows(self, timeout: float = 10) -> None:
        """Wait until audio flows from the microphone's monitor (the sink has woken up).

        An idle null sink renders only every 2 s; once the keep-alive reader is connected,
        its next wake-up brings the sink to the reader's 20 ms pace. A probe reader that
        receives samples shows that wake-up has happened: from then on, a recording's first
        audio arrives at once.
        """
        assert self._keepalive is not None
        probe_file = self.root / "probe.raw"
        with probe_file.open("wb") as sink:
            probe = subprocess.Popen(
                ["parec", "-d", SOURCE, "--latency-msec=20", "--raw"],
                env=self._tool_env(),
                stdout=sink,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
            )
        try:
            deadline = time.monotonic() + timeout
            while probe_file.stat().st_size == 0:
                if self._keepalive.poll() is not None or probe.poll() is not None:
                    self.stop()
                    raise VirtualMicError("parec could not read the virtual microphone")
                if time.monotonic() > deadline:
                    self.stop()
                    raise VirtualMicError(f"no audio from {SOURCE} within {timeout:g} s")
                time.sleep(0.02)  # polling interval, not synchronisation
        finally:
            probe.kill()
            probe.wait(timeout=10)
            probe_file.unlink(missing_ok=True)

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

    # -- the speaker -----------------------------------------------------------------------

    def listen(self) -> SpeakerRecording:
        """Start recording what programs play to the default output (``vspeaker``)."""
        self._count += 1
        return SpeakerRecording(
            self._tool_env(), self.root / f"speaker-{self._count}.f32", self.log
        )


class SpeakerRecording:
    """What is played to the virtual speaker from now on, as 48 kHz mono float samples.

    A ``parec`` writes the speaker's monitor straight to a file until :meth:`stop`: read
    through a pipe by a Python thread, a busy interpreter let the pipe fill, parec stall
    and PulseAudio drop whole seconds of what was played.
    """

    def __init__(self, env: dict[str, str], path: Path, server_log: Path) -> None:
        self.path = path
        self._server_log = server_log
        with path.open("wb") as sink:
            self._process = subprocess.Popen(
                [
                    "parec",
                    "-d",
                    f"{SPEAKER}.monitor",
                    "--raw",
                    "--format=float32le",
                    f"--rate={LISTEN_RATE}",
                    "--channels=1",
                    "--latency-msec=20",
                ],
                env=env,
                stdout=sink,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
            )
        # Recording starts when the first samples (silence) arrive, not when parec starts:
        # what is played before then would be missed.
        deadline = time.monotonic() + 10
        while not self.samples().size:
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise VirtualMicError("parec did not start recording the virtual speaker")
            time.sleep(0.02)

    def samples(self) -> np.ndarray:
        """Everything recorded so far."""
        data = self.path.read_bytes()
        return np.frombuffer(data[: len(data) // 4 * 4], dtype="<f4")

    def heard_seconds(self, threshold: float = 0.01) -> float:
        """Seconds from the first to the last sample louder than ``threshold``."""
        loud = np.flatnonzero(np.abs(self.samples()) > threshold)
        return 0.0 if not len(loud) else (loud[-1] - loud[0]) / LISTEN_RATE

    def wait_for_silence_after(self, seconds: float, deadline: float = 30.0) -> np.ndarray:
        """Wait until ``seconds`` of sound were heard and then 0.3 s of silence; the samples.

        Raises:
            AssertionError: Not heard within ``deadline`` seconds.
        """
        end = time.monotonic() + deadline
        tail = int(0.3 * LISTEN_RATE)
        while time.monotonic() < end:
            samples = self.samples()
            loud = np.flatnonzero(np.abs(samples) > 0.01)
            if (
                len(loud)
                and (loud[-1] - loud[0]) / LISTEN_RATE >= seconds
                and len(samples) - loud[-1] > tail
            ):
                return samples
            time.sleep(0.05)
        raise AssertionError(
            f"the speaker did not play {seconds:.2f} s of sound then fall silent "
            f"(heard {self.heard_seconds():.2f} s: {self.describe()}); the sound server's "
            f"log ends: {self._server_log_tail()!r}"
        )

    def _server_log_tail(self) -> str:
        try:
            return self._server_log.read_text(errors="replace")[-1500:]
        except OSError as exc:
            return f"(unreadable: {exc})"

    def describe(self) -> str:
        """Where the sound is in the recording (for failure messages)."""
        samples = self.samples()
        loud = np.flatnonzero(np.abs(samples) > 0.01)
        if not len(loud):
            return f"{len(samples) / LISTEN_RATE:.2f} s of silence"
        breaks = np.flatnonzero(np.diff(loud) > LISTEN_RATE // 100)
        starts = [loud[0], *(loud[i + 1] for i in breaks)]
        ends = [*(loud[i] for i in breaks), loud[-1]]
        spans = ", ".join(
            f"{a / LISTEN_RATE:.2f}-{b / LISTEN_RATE:.2f}"
            for a, b in zip(starts, ends, strict=True)
        )
        return f"sound at {spans} of {len(samples) / LISTEN_RATE:.2f} s"

    def stop(self) -> np.ndarray:
        """Stop recording; everything recorded."""
        if self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
        return self.samples()


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
