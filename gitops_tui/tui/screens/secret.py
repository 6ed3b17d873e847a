"""`e`: edit a SealedSecret in Git without a plaintext file anywhere.

Values are typed into masked inputs, kept in memory until saving seals them with the
controller's certificate, then dropped; the inputs are cleared as soon as they are
read. Nothing is written until the operator confirms the save.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Static

from gitops_tui.errors import GitOpsError
from gitops_tui.secrets.crypto import Scope
from gitops_tui.secrets.edit import SecretEdit, SecretFile
from gitops_tui.text import clean
from gitops_tui.tui.format import plain
from gitops_tui.tui.keys import bindings
from gitops_tui.tui.screens.modals import Confirm
from gitops_tui.tui.threads import ReportsWorkerErrors, push_once, ui_call, worker

STATE_STYLE = {"sealed": "dim", "changed": "yellow", "new": "green", "removed": "red"}


@dataclass
class ValueInput:
    key: str
    value: bytes


class ValueModal(ModalScreen[ValueInput | None]):
    """A key name and a masked value; the inputs are emptied once read."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, key: str = "", key_editable: bool = True) -> None:
        super().__init__(id="secret-value-modal")
        self.title_text, self.key, self.key_editable = title, key, key_editable

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(clean(self.title_text), classes="dialog-title", markup=False)
            yield Label("Key")
            yield Input(value=clean(self.key), id="secret-key", disabled=not self.key_editable)
            yield Label("Value (masked; sealed on save, never written in clear)")
            yield Input(password=True, id="secret-value")
            yield Label("…or read the value from a file (e.g. a TLS key)")
            yield Input(placeholder="/path/to/file", id="secret-file")
            yield Static("", id="secret-error", classes="error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="yes")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.query_one("#secret-key" if self.key_editable else "#secret-value", Input).focus()

    def _submit(self) -> None:
        # A fixed key is the file's own, not the cleaned text the input shows.
        key = self.query_one("#secret-key", Input).value.strip() if self.key_editable else self.key
        box = self.query_one("#secret-value", Input)
        value = box.value.encode()
        box.value = ""
        error = self.query_one("#secret-error", Static)
        path = self.query_one("#secret-file", Input).value.strip()
        if path and value:
            error.update("Give a value or a file, not both.")
            return
        if path:
            try:
                value = Path(path).expanduser().read_bytes()
            except OSError as e:
                error.update(clean(f"cannot read {path}: {e.strerror or e}"))
                return
        if not key or not value:
            error.update("A key and a value (or a non-empty file) are needed.")
            return
        self.dismiss(ValueInput(key, value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "secret-key":
            self.query_one("#secret-value", Input).focus()
        else:
            self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self._submit()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.query_one("#secret-value", Input).value = ""
        self.dismiss(None)


class NameModal(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str) -> None:
        super().__init__(id="secret-name-modal")
        self.title_text, self.value = title, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(clean(self.title_text), classes="dialog-title", markup=False)
            yield Input(value=clean(self.value), id="secret-new-name")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        new = event.value.strip()
        # Left as shown: the name as it is, not its cleaned look.
        self.dismiss(self.value if new == clean(self.value) else new or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SecretScreen(ReportsWorkerErrors, Screen[None]):
    BINDINGS = bindings("secret")

    def __init__(self, service, edit: SecretEdit, read_only: bool = False) -> None:
        super().__init__(id="secret-screen")
        self.service, self.edit, self.read_only = service, edit, read_only

    def compose(self) -> ComposeResult:
        yield Static("", id="secret-title", markup=False)
        table = DataTable(id="secret-keys", cursor_type="row")
        table.add_columns("KEY", "STATE", "VALUE")
        yield table
        yield Static("", id="secret-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#secret-keys", DataTable).focus()

    def _fill(self) -> None:
        ss = self.edit.parsed()
        f = self.edit.file
        template = ss.template
        scope = f"{ss.scope}" + (f" → {self.edit.scope}" if self.edit.scope else "")
        self.query_one("#secret-title", Static).update(
            plain(
                f"sealed secret {f.ref}  scope {scope}  type {template.type or 'Opaque'}"
                f"  file {f.path}" + ("  (unsaved changes)" if self.edit.dirty else "")
            )
        )
        table = self.query_one("#secret-keys", DataTable)
        cursor = table.cursor_row
        table.clear()
        for key, state in self.edit.key_states():
            style = STATE_STYLE.get(state.split(" ")[0], "")
            # Text, not str: the table reads a str as markup.
            table.add_row(plain(key), plain(Text(state, style=style)), "••••••••", key=key)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        warnings = [clean(f"⚠ {w}") for w in ss.warnings]
        self.query_one("#secret-detail", Static).update(
            "\n".join(
                [
                    "a add · c change · x remove · n rename · o scope · v reveal (audited) · "
                    "ctrl+s seal, commit and push",
                    *(
                        [
                            "a new scope re-seals every value: values not typed again are "
                            "opened with the controller's private keys on save"
                        ]
                        if self.edit.needs_private_keys
                        else []
                    ),
                    *warnings,
                ]
            )
        )

    def _selected(self) -> tuple[str, str] | None:
        table = self.query_one("#secret-keys", DataTable)
        rows = self.edit.key_states()
        if 0 <= table.cursor_row < len(rows):
            return rows[table.cursor_row]
        return None

    def _refuse(self) -> bool:
        if self.read_only:
            self.app.notify("read-only mode: secrets cannot be changed", severity="warning")
        return self.read_only

    def _apply(self, fn, *args) -> None:
        try:
            fn(*args)
        except GitOpsError as e:
            self.app.notify(str(e), severity="error")
        self._fill()

    def action_add(self) -> None:
        if self._refuse():
            return

        def done(got: ValueInput | None) -> None:
            if got is not None:
                self._apply(self.edit.set_value, got.key, got.value)

        self.app.push_screen(ValueModal(f"Add a key to {self.edit.file.ref}"), done)

    def action_change(self) -> None:
        if self._refuse() or (sel := self._selected()) is None:
            return

        def done(got: ValueInput | None) -> None:
            if got is not None:
                self._apply(self.edit.set_value, got.key, got.value)

        self.app.push_screen(ValueModal(f"New value for {sel[0]}", sel[0], False), done)

    def action_remove(self) -> None:
        if not self._refuse() and (sel := self._selected()) is not None:
            self._apply(self.edit.remove, sel[0])

    def action_rename(self) -> None:
        if self._refuse() or (sel := self._selected()) is None:
            return

        def done(new: str | None) -> None:
            if new and new != sel[0]:
                self._apply(self.edit.rename, sel[0], new)

        self.app.push_screen(NameModal(f"Rename {sel[0]}", sel[0]), done)

    def action_scope(self) -> None:
        if self._refuse():
            return
        order = list(Scope)
        current = self.edit.scope or self.edit.parsed().scope
        self.edit.set_scope(order[(order.index(current) + 1) % len(order)])
        self._fill()

    def action_reveal(self) -> None:
        if (sel := self._selected()) is None:
            return
        key = sel[0]

        def done(yes: bool | None) -> None:
            if yes:
                self.do_reveal(key)

        self.app.push_screen(
            Confirm(
                f"Reveal {key}?",
                "This reads the controller's private keys and is recorded in the audit "
                "log with your name. The value shows until you close the dialog.",
                "Reveal",
                id="reveal-confirm",
            ),
            done,
        )

    @worker("secret")
    def do_reveal(self, key: str) -> None:
        try:
            value = self.service.reveal(self.edit, key)
        except (GitOpsError, KeyError) as e:
            ui_call(self.app, self.app.notify, f"cannot reveal {key}: {e}", severity="error")
            return
        text = value.decode(errors="replace")
        ui_call(self.app, push_once, self.app, Confirm(key, text, "Close", id="revealed"))

    def action_save(self) -> None:
        if self._refuse():
            return
        if not self.edit.dirty:
            self.app.notify("nothing to save")
            return
        changes = [f"  {k}: {state}" for k, state in self.edit.key_states() if state != "sealed"]
        body = "\n".join(
            [
                f"Seal with the controller's certificate, commit to {self.edit.file.path}",
                f"and push. The reconciler rolls it out. Keys: {', '.join(self.edit.changed_keys)}",
                "",
                *changes,
            ]
        )

        def done(yes: bool | None) -> None:
            if yes:
                self.do_save()

        self.app.push_screen(Confirm("Seal and push?", body, "Seal & push", id="save-secret"), done)

    @worker("secret")
    def do_save(self) -> None:
        try:
            sha = self.service.save_secret(self.edit)
        except GitOpsError as e:
            ui_call(self.app, self.app.notify, f"not saved: {e}", severity="error", timeout=15)
            return
        ui_call(self.app, self.app.notify, f"sealed and pushed as {sha[:8]}; rolling out")
        try:
            self.edit = self.service.open_secret(self.edit.file)
        except GitOpsError as e:
            ui_call(self.app, self.app.notify, str(e), severity="error")
        ui_call(self.app, self._fill)
        if hasattr(self.app, "fetch_now"):
            ui_call(self.app, self.app.fetch_now)

    def action_back(self) -> None:
        if not self.edit.dirty:
            self.dismiss(None)
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.edit.clear()
                self.dismiss(None)

        self.app.push_screen(
            Confirm("Discard changes?", "The values typed here are dropped.", "Discard"),
            done,
        )


def pick(files: list[SecretFile], kind_name: tuple[str, str] | None) -> SecretFile | None:
    """The file of the highlighted SealedSecret, else the app's only one."""
    if kind_name and kind_name[0] == "SealedSecret":
        for f in files:
            if f.name == kind_name[1]:
                return f
    return files[0] if len(files) == 1 else None
