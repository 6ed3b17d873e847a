"""One editing session of a SealedSecret file in the repository.

Pending plaintext lives only here, in memory, until it is sealed; `clear()` drops it
after a save or a cancel. Saving re-seals only what changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import rsa

from gitops_tui.secrets.crypto import Scope
from gitops_tui.secrets.keys import PrivateKey
from gitops_tui.secrets.sealedsecret import SealedSecret, SealError, check_key_name


@dataclass(frozen=True)
class SecretFile:
    """A SealedSecret in the repository, and where the app puts it."""

    path: str
    name: str
    namespace: str | None

    @property
    def ref(self) -> str:
        return f"{self.namespace or '-'}/{self.name}"


@dataclass
class SecretEdit:
    file: SecretFile
    original: bytes
    blob: str | None  # the file's blob id when opened: a later change is not overwritten
    values: dict[str, bytes] = field(default_factory=dict)  # new or replaced, plaintext
    removed: set[str] = field(default_factory=set)
    renamed: dict[str, str] = field(default_factory=dict)  # old -> new
    scope: Scope | None = None  # a new scope: every value is re-sealed on save

    def parsed(self) -> SealedSecret:
        ss = SealedSecret.parse(self.original, self.file.path)
        if not ss.namespace and self.file.namespace:
            ss.default_namespace = self.file.namespace
        return ss

    def key_states(self) -> list[tuple[str, str]]:
        """Every key as it will be after saving, with its state for the screen."""
        out = []
        for key in self.parsed().keys:
            if key in self.removed:
                out.append((key, "removed"))
            elif key in self.renamed:
                out.append((self.renamed[key], f"renamed from {key}"))
            elif key in self.values:
                out.append((key, "changed"))
            else:
                out.append((key, "sealed"))
        existing = set(self.parsed().keys) | set(self.renamed.values())
        out += [(k, "new") for k in self.values if k not in existing]
        return out

    def set_value(self, key: str, value: bytes) -> None:
        check_key_name(key)
        if not value:
            raise SealError(f"{key}: the value is empty")
        self.removed.discard(key)
        self.values[key] = value

    def remove(self, key: str) -> None:
        if key in self.values and key not in self.parsed().keys:
            del self.values[key]  # a new key never saved: just forget it
            return
        self.values.pop(key, None)
        self.removed.add(key)

    def rename(self, old: str, new: str) -> None:
        check_key_name(new)
        if new in {k for k, _ in self.key_states()}:
            raise SealError(f"{new} exists already")
        if old in self.values and old not in self.parsed().keys:
            self.values[new] = self.values.pop(old)
            return
        self.renamed[old] = new

    @property
    def changed_keys(self) -> list[str]:
        if self.scope is not None:  # every value is sealed anew
            return sorted(k for k, state in self.key_states() if state != "removed")
        return sorted({*self.values, *self.removed, *self.renamed, *self.renamed.values()})

    @property
    def dirty(self) -> bool:
        return bool(self.values or self.removed or self.renamed or self.scope)

    def set_scope(self, scope: Scope) -> None:
        self.scope = None if scope is self.parsed().scope else scope

    @property
    def needs_private_keys(self) -> bool:
        """A scope change re-seals every value: those not typed again must be opened."""
        if self.scope is None:
            return False
        kept = {self.renamed.get(k, k) for k in self.parsed().keys if k not in self.removed}
        return bool(kept - set(self.values))

    def render(
        self, public_key: rsa.RSAPublicKey, private_keys: Sequence[PrivateKey] = ()
    ) -> bytes:
        """The file with the changes sealed in; untouched ciphertexts stay as they are
        (all are re-sealed on a scope change)."""
        ss = self.parsed()
        for old, new in self.renamed.items():
            ss.rename_key(old, new)
        if self.removed:
            ss.remove_keys(sorted(self.removed))
        if self.scope is not None:
            ss.change_scope(self.scope, public_key, values=self.values, private_keys=private_keys)
        elif self.values:
            ss.set_values(self.values, public_key)
        return ss.serialize()

    def clear(self) -> None:
        self.values.clear()
        self.removed.clear()
        self.renamed.clear()
        self.scope = None
