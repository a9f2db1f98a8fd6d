"""A real IMAP server (Debian's dovecot-imapd) on 127.0.0.1 for tests, which a test can take
down and bring back.

The fixture ``imap_server`` runs one per test, in a temporary folder with a free port and one
mailbox, ``shop@example.com`` with the password ``secret``. A test module gets it with
``from tests.inbox.imap_server import imap_server_fixture  # noqa: F401``.

``deliver(raw)`` puts an email in the mailbox (IMAP APPEND, as a mail server's delivery
would); ``flags(uid)`` reads a mail's flags back from the server; ``stop()`` and ``start()``
take the server down and bring it back on the same port and with the same mails.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted

from tests.inbox.smtp import free_port

DOVECOT = "/usr/sbin/dovecot"
USER = "shop@example.com"
PASSWORD = "secret"  # noqa: S105 (a test server's)

CONFIG = """\
base_dir = {tmp}/run
state_dir = {tmp}/state
log_path = {tmp}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {tmp}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={tmp}/home/%u
}}
mail_location = maildir:~/Maildir
default_internal_user = {internal}
default_login_user = {login}
service anvil {{
  chroot =
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
"""


class IMAPServer:
    """dovecot in ``folder``, serving one mailbox on 127.0.0.1:``port``."""

    def __init__(self):
        if not os.path.exists(DOVECOT):
            pytest.fail(
                f"The IMAP tests need dovecot ({DOVECOT}): apt-get install dovecot-imapd",
                pytrace=False,
            )
        # A folder of its own straight under the temporary directory: dovecot's processes
        # run as another user, who must get through every folder above (pytest's are 0700).
        self.folder = Path(tempfile.mkdtemp(prefix="contactkit-dovecot-"))
        self.port = free_port()
        self.user, self.password = USER, PASSWORD
        self.pid = None
        self._write_config()

    def _write_config(self):
        tmp = self.folder
        for name in ("run", "state", "home"):
            (tmp / name).mkdir(parents=True, exist_ok=True)
        (tmp / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        os.chmod(tmp, 0o755)  # noqa: S103 (dovecot runs as another user)
        if os.geteuid() == 0:
            dovecot = pwd.getpwnam("dovecot")
            uid, gid, internal, login = "dovecot", "dovecot", "dovecot", "dovenull"
            for path in [tmp / "home", *(tmp / "home").rglob("*")]:
                os.chown(path, dovecot.pw_uid, dovecot.pw_gid)
        else:
            me = pwd.getpwuid(os.geteuid())
            uid, gid, internal, login = me.pw_uid, os.getegid(), me.pw_name, me.pw_name
        self.config = tmp / "dovecot.conf"
        self.config.write_text(
            CONFIG.format(tmp=tmp, port=self.port, uid=uid, gid=gid, internal=internal, login=login)
        )

    @property
    def settings(self):
        """The server as an entry of ``CONTACTKIT_MAILBOXES``."""
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "username": USER,
            "password": PASSWORD,
            "folder": "INBOX",
            "security": "none",
            "timeout": 5,
        }

    def start(self):
        # Its output to a file, not a pipe: the daemon keeps what it inherits open for good.
        with open(self.folder / "start.log", "w") as output:
            result = subprocess.run(  # noqa: S603 (a fixed program and our own config)
                [DOVECOT, "-c", str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if result.returncode != 0:
            started = (self.folder / "start.log").read_text()
            pytest.fail(f"dovecot did not start: {started}{self.log()}", pytrace=False)
        pid_file = self.folder / "run" / "master.pid"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if pid_file.exists() and pid_file.read_text().strip() and self._listening():
                self.pid = int(pid_file.read_text().strip())
                return self
            time.sleep(0.05)
        pytest.fail(f"dovecot did not listen on port {self.port}: {self.log()}", pytrace=False)

    def remove(self):
        """Stop the server and delete its folder, mails and all."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def stop(self):
        """Stop this dovecot (by the PID it wrote) and wait until it is gone."""
        if self.pid is None:
            return
        pid_file = self.folder / "run" / "master.pid"
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (pid_file.exists() or self._alive()):
            time.sleep(0.05)
        if self._alive():
            os.kill(self.pid, signal.SIGKILL)
        self.pid = None

    def _alive(self):
        try:
            os.kill(self.pid, 0)
        except (ProcessLookupError, TypeError):
            return False
        # A zombie is gone for our purposes (dovecot daemonized: its parent is init).
        try:
            return "zombie" not in Path(f"/proc/{self.pid}/status").read_text().lower()
        except OSError:
            return False

    def _listening(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def log(self):
        path = self.folder / "dovecot.log"
        return path.read_text()[-3000:] if path.exists() else ""

    def connect(self):
        return MailBoxUnencrypted("127.0.0.1", self.port, timeout=5).login(USER, PASSWORD)

    def deliver(self, raw, folder="INBOX"):
        """Put the email ``raw`` (bytes, or an email.message) in ``folder``, as a delivery
        does."""
        if not isinstance(raw, bytes):
            raw = raw.as_bytes()
        with self.connect() as mailbox:
            mailbox.append(raw, folder)

    def flags(self):
        """``{uid: set of flags}`` of every mail in the INBOX, read from the server."""
        with self.connect() as mailbox:
            return {
                int(message.uid): set(message.flags)
                for message in mailbox.fetch(mark_seen=False, headers_only=True)
            }

    def recreate_inbox(self):
        """Empty the INBOX and give it a new UIDVALIDITY, as a restored server does."""
        self.stop()
        maildir = self.folder / "home" / USER / "Maildir"
        shutil.rmtree(maildir, ignore_errors=True)
        # Dovecot keeps UIDVALIDITY in the maildir's dovecot-uidlist; a new one starts over.
        time.sleep(1.1)  # UIDVALIDITY is a timestamp: make sure it differs.
        self.start()


@pytest.fixture(name="imap_server")
def imap_server_fixture():
    """A running :class:`IMAPServer` with an empty mailbox, removed after the test."""
    server = IMAPServer()
    try:
        yield server.start()
    finally:
        server.remove()
