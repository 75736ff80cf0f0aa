"""Install hints for the system tools audioessay needs, per platform."""

from __future__ import annotations

INSTALL = {
    "espeak-ng": {
        "Debian/Ubuntu": "sudo apt-get install -y espeak-ng libespeak-ng1",
        "Fedora": "sudo dnf install -y espeak-ng",
        "macOS": "brew install espeak-ng",
    },
    "ffmpeg": {
        "Debian/Ubuntu": "sudo apt-get install -y ffmpeg",
        "Fedora": "sudo dnf install -y ffmpeg-free",
        "macOS": "brew install ffmpeg",
    },
    "lame": {
        "Debian/Ubuntu": "sudo apt-get install -y lame",
        "Fedora": "sudo dnf install -y lame",
        "macOS": "brew install lame",
    },
    "mpg123": {
        "Debian/Ubuntu": "sudo apt-get install -y mpg123",
        "Fedora": "sudo dnf install -y mpg123",
        "macOS": "brew install mpg123",
    },
    "libebur128": {
        "Debian/Ubuntu": "sudo apt-get install -y libebur128-1",
        "Fedora": "sudo dnf install -y libebur128",
        "macOS": "brew install libebur128",
    },
}


def install_hint(tool: str) -> str:
    """One line: how to install ``tool`` on each platform."""
    return "install it: " + "; ".join(f"{os_name}: {cmd}" for os_name, cmd in INSTALL[tool].items())
