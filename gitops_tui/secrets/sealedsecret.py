"""The SealedSecret custom resource (bitnami.com/v1alpha1), edited in its own file.

Every value in `spec.encryptedData` is sealed on its own, bound by the OAEP label to
where it may be unsealed (the scope): so one key can change while every other key's
ciphertext stays byte-identical, as with `kubeseal --merge-into`.

Edits are made on the file's text wherever that is safe: a changed value replaces
only its scalar, a new key becomes one more line in the `encryptedData:` block, a
removed key loses its lines. Comments and layout stay. After every edit the new
text is parsed again and must equal the intended object; if the text cannot be
edited that way (flow style, block scalars, an empty mapping), the whole object is
dumped instead. JSON input is written back as JSON.

No plaintext value ever appears in an exception raised here.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from cryptography.hazmat.primitives.asymmetric import rsa
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_tui.errors import GitOpsError, SourceError
from gitops_tui.secrets.crypto import Scope, UnsealError, hybrid_decrypt, hybrid_encrypt, label
from gitops_tui.secrets.keys import PrivateKey

API_VERSION = "bitnami.com/v1alpha1"
KIND = "SealedSecret"
NAMESPACE_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/namespace-wide"
CLUSTER_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/cluster-wide"
SCOPE_ANNOTATIONS = {
    Scope.NAMESPACE_WIDE: NAMESPACE_WIDE_ANNOTATION,
    Scope.CLUSTER_WIDE: CLUSTER_WIDE_ANNOTATION,
}
# Secret data keys, as the API server validates them (IsConfigMapKey).
_KEY_NAME = re.compile(r"[-._a-zA-Z0-9]+")

Path_ = tuple[str, ...]
ENCRYPTED_DATA: Path_ = ("spec", "encryptedData")


class SealedSecretFormatError(SourceError):
    """A file that is not a usable SealedSecret; names the file and, where known, a line."""


class SealError(GitOpsError):
    """Sealing or editing was refused (the message never shows a value)."""


@dataclass(frozen=True)
class SecretTemplate:
    """`spec.template`: what the controller's Secret will look like besides its data."""

    metadata: dict[str, Any]
    type: str
    immutable: bool | None
    data_templates: tuple[str, ...]  # keys of spec.template.data (Go templates)


def scope_of(annotations: Mapping[str, Any] | None) -> Scope:
    """The scope as the controller reads it: cluster-wide wins over namespace-wide,
    and only the exact string "true" counts (SecretScope in sealedsecret_expansion.go)."""
    annotations = annotations or {}
    if annotations.get(CLUSTER_WIDE_ANNOTATION) == "true":
        return Scope.CLUSTER_WIDE
    if annotations.get(NAMESPACE_WIDE_ANNOTATION) == "true":
        return Scope.NAMESPACE_WIDE
    return Scope.STRICT


def seal_value(
    public_key: rsa.RSAPublicKey, value: bytes, *, namespace: str, name: str, scope: Scope
) -> str:
    """One value sealed for (namespace, name, scope), base64 like `kubeseal --raw`."""
    if scope is not Scope.CLUSTER_WIDE and not namespace:
        raise SealError(f"a {scope} sealed value needs a namespace")
    if scope is Scope.STRICT and not name:
        raise SealError("a strict sealed value needs the secret's name")
    sealed = hybrid_encrypt(public_key, value, label(scope, namespace, name))
    return base64.b64encode(sealed).decode()


def check_key_name(key: str) -> None:
    if not isinstance(key, str) or len(key) > 253 or not _KEY_NAME.fullmatch(key):
        raise SealError(
            f"invalid key name {key!r}: use letters, digits, '-', '_' and '.' (at most 253)"
        )


# ---- text surgery ---------------------------------------------------------------------
class _NoSurgery(Exception):
    """This edit cannot be made on the text safely: dump the object instead."""


def _render_scalar(value: str) -> str:
    """A string as a one-line YAML scalar, quoted only when YAML needs it."""
    out = yaml.safe_dump(value, width=1 << 30, allow_unicode=True)
    out = out.removesuffix("\n...\n").rstrip("\n")
    if "\n" in out:
        raise _NoSurgery
    if out.startswith("'"):
        # Double quotes, as kubectl and kubeseal write "true"; JSON strings are valid YAML.
        out = json.dumps(value, ensure_ascii=False)
    return out


def _entry_lines(key: str, value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, Mapping):
        lines = [f"{pad}{_render_scalar(key)}:"]
        for k, v in value.items():
            lines += _entry_lines(k, v, indent + 2)
        return lines
    if not isinstance(value, str):
        raise _NoSurgery
    return [f"{pad}{_render_scalar(key)}: {_render_scalar(value)}"]


def _compose(text: str) -> Node:
    roots = [n for n in yaml.compose_all(text, Loader=yaml.SafeLoader) if n is not None]
    if len(roots) != 1:
        raise _NoSurgery
    return roots[0]


class _TextEdit:
    """Edits of one YAML document's text, located through its node tree's marks."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newline = "\r\n" if "\r\n" in text else "\n"

    def _root(self) -> Node:
        return _compose(self.text)

    @staticmethod
    def _pair(mapping: Node, key: str) -> tuple[ScalarNode, Node] | None:
        if not isinstance(mapping, MappingNode):
            return None
        for k, v in mapping.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return k, v
        return None

    def _node(self, path: Path_) -> Node | None:
        node: Node | None = self._root()
        for key in path:
            pair = self._pair(node, key) if node is not None else None
            node = pair[1] if pair else None
        return node

    def _last_index(self, node: Node) -> int:
        """Where the node's own text ends (trailing blank lines of a block excluded)."""
        if isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style:
            if not node.value:
                return node.start_mark.index
            last = node.value[-1]
            return self._last_index(last[1] if isinstance(node, MappingNode) else last)
        end = node.end_mark.index
        while end > node.start_mark.index and self.text[end - 1] in " \t\r\n":
            end -= 1
        return end

    def _line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def _line_end(self, index: int) -> int:
        """The index just past the newline of the line holding `index` (or the end)."""
        nl = self.text.find("\n", index)
        return len(self.text) if nl < 0 else nl + 1

    def _replace(self, start: int, end: int, new: str) -> None:
        self.text = self.text[:start] + new + self.text[end:]

    # -- operations -------------------------------------------------------------------
    def set(self, path: Path_, value: Any) -> None:
        """Set a scalar (or create a nested mapping) at path."""
        parent = self._node(path[:-1])
        if parent is None:
            # Create the missing chain as one entry of the deepest existing mapping.
            for depth in range(len(path) - 2, -1, -1):
                if self._node(path[:depth]) is not None:
                    nested: Any = value
                    for key in reversed(path[depth + 1 :]):
                        nested = {key: nested}
                    return self._append(path[:depth], path[depth], nested)
            raise _NoSurgery
        pair = self._pair(parent, path[-1])
        if pair is None:
            return self._append(path[:-1], path[-1], value)
        node = pair[1]
        if (
            not isinstance(value, str)
            or not isinstance(node, ScalarNode)
            or node.style in ("|", ">")
        ):
            raise _NoSurgery
        self._replace(node.start_mark.index, node.end_mark.index, _render_scalar(value))

    def _append(self, path: Path_, key: str, value: Any) -> None:
        mapping = self._node(path)
        if not isinstance(mapping, MappingNode) or mapping.flow_style or not mapping.value:
            raise _NoSurgery
        indent = mapping.value[0][0].start_mark.column
        at = self._line_end(self._last_index(mapping))
        lines = _entry_lines(key, value, indent)
        prefix = "" if self.text[:at].endswith("\n") else self.newline
        self._replace(at, at, prefix + self.newline.join(lines) + self.newline)

    def delete(self, path: Path_, prune_empty: bool) -> None:
        """Delete the entry at path; with prune_empty, an emptied parent goes too."""
        mapping = self._node(path[:-1])
        pair = self._pair(mapping, path[-1]) if mapping is not None else None
        if pair is None or not isinstance(mapping, MappingNode) or mapping.flow_style:
            raise _NoSurgery
        if len(mapping.value) == 1:
            if prune_empty and len(path) > 1:
                return self.delete(path[:-1], prune_empty)
            raise _NoSurgery
        key, value = pair
        start = self._line_start(key.start_mark.index)
        if self.text[start : key.start_mark.index].strip():
            raise _NoSurgery  # something else (a "- ") shares the key's line
        last = self._last_index(value)
        end = self._line_end(last)
        rest = self.text[last:end].strip()
        if rest and not rest.startswith("#"):
            raise _NoSurgery
        self._replace(start, end, "")

    def rename(self, path: Path_, new_key: str) -> None:
        mapping = self._node(path[:-1])
        pair = self._pair(mapping, path[-1]) if mapping is not None else None
        if pair is None:
            raise _NoSurgery
        key = pair[0]
        self._replace(key.start_mark.index, key.end_mark.index, _render_scalar(new_key))


# ---- the same edits on the parsed object ------------------------------------------------
def _doc_set(doc: dict, path: Path_, value: Any) -> None:
    node = doc
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = copy.deepcopy(value)


def _doc_get(doc: dict, path: Path_) -> Any:
    node: Any = doc
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _doc_delete(doc: dict, path: Path_, prune_empty: bool) -> None:
    parent = _doc_get(doc, path[:-1])
    parent.pop(path[-1], None)
    if prune_empty and not parent and len(path) > 1:
        _doc_delete(doc, path[:-1], prune_empty)


def _doc_rename(doc: dict, path: Path_, new_key: str) -> None:
    parent = _doc_get(doc, path[:-1])
    items = [(new_key if k == path[-1] else k, v) for k, v in parent.items()]
    parent.clear()
    parent.update(items)


@dataclass(frozen=True)
class _Op:
    kind: str  # set | delete | rename
    path: Path_
    value: Any = None
    prune_empty: bool = False


def _apply_doc(doc: dict, op: _Op) -> None:
    if op.kind == "set":
        _doc_set(doc, op.path, op.value)
    elif op.kind == "delete":
        _doc_delete(doc, op.path, op.prune_empty)
    else:
        _doc_rename(doc, op.path, op.value)


def _apply_text(edit: _TextEdit, op: _Op) -> None:
    if op.kind == "set":
        edit.set(op.path, op.value)
    elif op.kind == "delete":
        edit.delete(op.path, op.prune_empty)
    else:
        edit.rename(op.path, op.value)


def _load_one(text: str) -> Any:
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    return docs[0] if len(docs) == 1 else None


# ---- parsing ------------------------------------------------------------------------------
def _line(node: Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _pair_node(mapping: Node | None, key: str) -> tuple[Node, Node] | None:
    if isinstance(mapping, MappingNode):
        for k, v in mapping.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return k, v
    return None


def _validate(doc: Any, root: Node, source: str) -> None:
    def fail(message: str, node: Node | None) -> None:
        raise SealedSecretFormatError(source, message, _line(node))

    if not isinstance(doc, dict) or not isinstance(root, MappingNode):
        fail("not a Kubernetes object (expected a YAML mapping)", root)
    kind, api_version = doc.get("kind"), doc.get("apiVersion")
    kind_node = _pair_node(root, "kind")
    if kind != KIND or api_version != API_VERSION:
        what = f"a {kind} ({api_version})" if kind else "an object without a kind"
        fail(f"is {what}, not a {KIND} ({API_VERSION})", kind_node[1] if kind_node else root)
    meta_pair = _pair_node(root, "metadata")
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
        fail("metadata.name is missing", meta_pair[1] if meta_pair else root)
    for where, meta_node, ann in (
        ("metadata", meta_pair[1] if meta_pair else None, meta.get("annotations")),
        (
            "spec.template.metadata",
            None,
            _doc_get(doc, ("spec", "template", "metadata", "annotations")),
        ),
    ):
        if ann is None:
            continue
        ann_node = _pair_node(meta_node, "annotations")
        if not isinstance(ann, dict):
            fail(f"{where}.annotations is not a mapping", ann_node[1] if ann_node else root)
        for name in SCOPE_ANNOTATIONS.values():
            if name in ann and not isinstance(ann[name], str):
                fail(f'{where}.annotations["{name}"] must be a string such as "true"', root)
    spec_pair = _pair_node(root, "spec")
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        fail("spec is missing or not a mapping", spec_pair[1] if spec_pair else root)
    spec_node = spec_pair[1] if spec_pair else None
    if spec.get("data") is not None:
        pair = _pair_node(spec_node, "data")
        fail(
            "uses the deprecated spec.data (one sealed blob): re-seal it with encryptedData",
            pair[0] if pair else spec_node,
        )
    data_pair = _pair_node(spec_node, "encryptedData")
    data = spec.get("encryptedData")
    if data is None:
        return
    if not isinstance(data, dict):
        fail("spec.encryptedData is not a mapping", data_pair[1] if data_pair else spec_node)
    data_node = data_pair[1] if data_pair else None
    seen: set[str] = set()
    for k, v in data_node.value if isinstance(data_node, MappingNode) else []:
        key = k.value if isinstance(k, ScalarNode) else None
        if not isinstance(key, str) or not _KEY_NAME.fullmatch(key):
            fail(f"spec.encryptedData has an invalid key {key!r}", k)
        if key in seen:
            fail(f"spec.encryptedData has the key {key} twice", k)
        seen.add(key)
        if not isinstance(v, ScalarNode) or not isinstance(data.get(key), str):
            fail(f"spec.encryptedData.{key} is not a string", v)


# ---- the resource -------------------------------------------------------------------------
class SealedSecret:
    """One SealedSecret, with the text it came from kept for minimal edits."""

    def __init__(
        self, doc: dict, text: str | None, source: str = "<new>", json_style: bool = False
    ) -> None:
        self.doc = doc
        self.source = source
        self._text = text
        self._json = json_style
        # Used when metadata.namespace is absent (a kustomize overlay sets it, say).
        self.default_namespace: str | None = None

    # -- construction -----------------------------------------------------------------
    @classmethod
    def parse(cls, data: bytes | str, source: str = "<input>") -> SealedSecret:
        """A SealedSecret from a file's bytes; SealedSecretFormatError names file:line."""
        if isinstance(data, bytes):
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as e:
                raise SealedSecretFormatError(source, f"not UTF-8 text (byte {e.start})") from None
        else:
            text = data
        try:
            roots = [n for n in yaml.compose_all(text, Loader=yaml.SafeLoader) if n is not None]
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            # Only the parser's problem, never its excerpt of the text.
            raise SealedSecretFormatError(
                source, f"not valid YAML: {e.problem or e.context}", mark.line + 1 if mark else None
            ) from None
        except yaml.YAMLError as e:
            raise SealedSecretFormatError(source, f"not valid YAML ({type(e).__name__})") from None
        if not roots:
            raise SealedSecretFormatError(source, f"is empty, expected a {KIND}")
        if len(roots) > 1:
            raise SealedSecretFormatError(
                source, f"holds {len(roots)} YAML documents; expected one {KIND}", _line(roots[1])
            )
        _validate(docs[0], roots[0], source)
        json_style = isinstance(roots[0], MappingNode) and bool(roots[0].flow_style)
        json_style = json_style and text.lstrip().startswith("{")
        return cls(docs[0], text, source, json_style)

    @classmethod
    def new(
        cls,
        *,
        namespace: str | None,
        name: str,
        scope: Scope = Scope.STRICT,
        type: str = "Opaque",
        labels: Mapping[str, str] | None = None,
    ) -> SealedSecret:
        """An empty SealedSecret laid out as kubeseal writes one; add values with set_values."""
        if not name:
            raise SealError("a SealedSecret needs a name")
        if scope is not Scope.CLUSTER_WIDE and not namespace:
            raise SealError(f"a {scope} SealedSecret needs a namespace")
        meta: dict[str, Any] = {}
        if scope in SCOPE_ANNOTATIONS:
            meta["annotations"] = {SCOPE_ANNOTATIONS[scope]: "true"}
        meta["name"] = name
        if namespace:
            meta["namespace"] = namespace
        template_meta = copy.deepcopy(meta)
        if labels:
            template_meta["labels"] = dict(labels)
        doc = {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "metadata": meta,
            "spec": {"encryptedData": {}, "template": {"metadata": template_meta, "type": type}},
        }
        return cls(doc, None)

    # -- reading ----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.doc["metadata"]["name"]

    @property
    def namespace(self) -> str | None:
        return self.doc["metadata"].get("namespace") or self.default_namespace

    @property
    def ref(self) -> str:
        return f"{self.namespace or '(no namespace)'}/{self.name}"

    @property
    def scope(self) -> Scope:
        """The scope the controller unseals with: the SealedSecret's own annotations."""
        return scope_of(self.doc["metadata"].get("annotations"))

    @property
    def warnings(self) -> list[str]:
        notes = []
        template_ann = _doc_get(self.doc, ("spec", "template", "metadata", "annotations"))
        if template_ann is not None and scope_of(template_ann) is not self.scope:
            notes.append(
                f"{self.source}: the template's scope annotations say {scope_of(template_ann)}, "
                f"the SealedSecret's say {self.scope} (the controller uses the latter)"
            )
        if self.template.data_templates:
            notes.append(
                f"{self.source}: spec.template.data ({', '.join(self.template.data_templates)}) "
                "is rendered by the controller only"
            )
        return notes

    @property
    def encrypted_data(self) -> dict[str, str]:
        return dict(_doc_get(self.doc, ENCRYPTED_DATA) or {})

    @property
    def keys(self) -> list[str]:
        return list(self.encrypted_data)

    @property
    def template(self) -> SecretTemplate:
        t = _doc_get(self.doc, ("spec", "template")) or {}
        data = t.get("data") or {}
        return SecretTemplate(
            metadata=copy.deepcopy(t.get("metadata") or {}),
            type=t.get("type") or "Opaque",
            immutable=t.get("immutable"),
            data_templates=tuple(data) if isinstance(data, dict) else (),
        )

    def label(self, scope: Scope | None = None) -> bytes:
        scope = scope or self.scope
        if scope is not Scope.CLUSTER_WIDE and not self.namespace:
            raise SealError(
                f"{self.source}: {self.name} has no namespace; a {scope} secret is bound to one"
            )
        return label(scope, self.namespace or "", self.name)

    @property
    def text_preserved(self) -> bool:
        """Whether serialize() keeps the original text apart from the edited lines."""
        return self._text is not None

    # -- editing ----------------------------------------------------------------------
    def _edit(self, ops: Sequence[_Op]) -> None:
        doc = copy.deepcopy(self.doc)
        for op in ops:
            _apply_doc(doc, op)
        text = None
        if self._text is not None and not self._json:
            try:
                edit = _TextEdit(self._text)
                for op in ops:
                    _apply_text(edit, op)
                # The text is kept only if it says exactly what the object says.
                if _load_one(edit.text) == doc:
                    text = edit.text
            except (_NoSurgery, yaml.YAMLError):
                text = None
        self.doc, self._text = doc, text

    def _seal(self, key: str, value: bytes, public_key: rsa.RSAPublicKey, scope: Scope) -> str:
        check_key_name(key)
        if not isinstance(value, bytes):
            raise SealError(f"the value of {key} must be bytes")
        sealed = hybrid_encrypt(public_key, value, self.label(scope))
        return base64.b64encode(sealed).decode()

    def set_values(self, values: Mapping[str, bytes], public_key: rsa.RSAPublicKey) -> list[str]:
        """Seal new or changed values; every other key keeps its ciphertext. The keys set."""
        ops = [
            _Op("set", (*ENCRYPTED_DATA, key), self._seal(key, value, public_key, self.scope))
            for key, value in values.items()
        ]
        self._edit(ops)
        return list(values)

    def remove_keys(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        missing = [k for k in keys if k not in self.encrypted_data]
        if missing:
            raise SealError(f"{self.ref} has no key {', '.join(missing)}")
        self._edit([_Op("delete", (*ENCRYPTED_DATA, k)) for k in keys])

    def rename_key(self, old: str, new: str) -> None:
        """The label binds namespace and name, not the key: the ciphertext moves as is."""
        check_key_name(new)
        data = self.encrypted_data
        if old not in data:
            raise SealError(f"{self.ref} has no key {old}")
        if new in data:
            raise SealError(f"{self.ref} already has a key {new}")
        self._edit([_Op("rename", (*ENCRYPTED_DATA, old), new)])

    def change_scope(
        self,
        scope: Scope,
        public_key: rsa.RSAPublicKey,
        *,
        values: Mapping[str, bytes] | None = None,
        private_keys: Sequence[PrivateKey] = (),
    ) -> None:
        """Re-seal every value for `scope`: needs all values, or private keys to open them."""
        if scope is self.scope:
            return
        values = dict(values or {})
        missing = [k for k in self.keys if k not in values]
        if missing:
            if not private_keys:
                raise SealError(
                    f"changing the scope of {self.ref} re-seals every value: give the values "
                    f"of {', '.join(missing)} or the controller's private keys"
                )
            opened = self.unseal(private_keys)
            values = {**opened, **values}
        sealed = {k: self._seal(k, v, public_key, scope) for k, v in values.items()}
        ops: list[_Op] = []
        for meta in (("metadata",), ("spec", "template", "metadata")):
            if _doc_get(self.doc, meta) is None:
                continue
            annotations = _doc_get(self.doc, (*meta, "annotations")) or {}
            if scope in SCOPE_ANNOTATIONS:
                ops.append(_Op("set", (*meta, "annotations", SCOPE_ANNOTATIONS[scope]), "true"))
            for other in SCOPE_ANNOTATIONS.values():
                if other in annotations and (
                    scope not in SCOPE_ANNOTATIONS or other != SCOPE_ANNOTATIONS[scope]
                ):
                    ops.append(_Op("delete", (*meta, "annotations", other), prune_empty=True))
        ops += [_Op("set", (*ENCRYPTED_DATA, k), v) for k, v in sealed.items()]
        self._edit(ops)

    # -- unsealing --------------------------------------------------------------------
    def unseal(self, private_keys: Sequence[PrivateKey]) -> dict[str, bytes]:
        """Every value, opened with the newest private key that fits."""
        if not private_keys:
            raise UnsealError(f"no private keys to unseal {self.ref} with")
        ordered = sorted(
            private_keys, key=lambda k: k.created.timestamp() if k.created else 0, reverse=True
        )
        lbl = self.label()
        opened: dict[str, bytes] = {}
        for key, b64 in self.encrypted_data.items():
            try:
                blob = base64.b64decode(b64, validate=True)
            except (binascii.Error, ValueError):
                raise UnsealError(
                    f"{key} of {self.ref} is not valid base64: the sealed value is corrupted"
                ) from None
            for pk in ordered:
                try:
                    opened[key] = hybrid_decrypt(pk.key, blob, lbl)
                    break
                except UnsealError:
                    continue
            else:
                tried = ", ".join(pk.name for pk in ordered)
                raise UnsealError(
                    f"no private key opens {key} of {self.ref} (scope {self.scope}): "
                    f"wrong scope or key, or a corrupted value (tried {tried})"
                )
        return opened

    def to_secret(self, values: Mapping[str, bytes]) -> dict[str, Any]:
        """The Secret the controller would create (without owner references)."""
        t = self.template
        meta = {k: v for k, v in t.metadata.items() if v is not None}
        meta["name"] = self.name
        if self.namespace:
            meta["namespace"] = self.namespace
        secret: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret", "metadata": meta}
        if t.immutable is not None:
            secret["immutable"] = t.immutable
        secret["type"] = t.type
        secret["data"] = {k: base64.b64encode(v).decode() for k, v in values.items()}
        return secret

    # -- writing ----------------------------------------------------------------------
    def serialize(self) -> bytes:
        """The file's new bytes: the original text with the edits, or a full dump."""
        if self._text is not None:
            return self._text.encode()
        if self._json:
            return (json.dumps(self.doc, indent=2) + "\n").encode()
        return yaml.safe_dump(self.doc, sort_keys=False, width=1 << 30).encode()


def seal(
    values: Mapping[str, bytes],
    *,
    namespace: str | None,
    name: str,
    scope: Scope,
    public_key: rsa.RSAPublicKey,
    type: str = "Opaque",
) -> SealedSecret:
    """A new SealedSecret holding `values`, keys in order as kubeseal writes them."""
    ss = SealedSecret.new(namespace=namespace, name=name, scope=scope, type=type)
    ss.set_values(dict(sorted(values.items())), public_key)
    return ss
