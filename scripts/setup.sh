#!/usr/bin/env bash
# Installs, idempotently, what building and testing cognate needs on a fresh
# machine: the wasm target, worker-build and wasm-bindgen-cli pinned to the
# crate's versions, Chromium, the AWS CLI, boto3, moto, signxml, and the npm packages (which
# bring Node 22 for wrangler).
# Everything comes from the package registries; nothing else is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

WORKER_BUILD_VERSION=0.8.7
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo install --list | grep -qx "worker-build v${WORKER_BUILD_VERSION}:"; then
  step "installing worker-build ${WORKER_BUILD_VERSION} (about 5 minutes, once)"
  cargo install worker-build --version "${WORKER_BUILD_VERSION}" --locked
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "${WASM_BINDGEN_VERSION}"; then
  step "installing wasm-bindgen-cli ${WASM_BINDGEN_VERSION} (about 3 minutes, once)"
  # Not --locked: its lockfile pins a dependency the registry no longer serves.
  cargo install wasm-bindgen-cli --version "${WASM_BINDGEN_VERSION}" --force
fi

# Debian's Chromium and ChromeDriver for the browser tests.
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
  step "installing chromium and chromium-driver (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi

# The AWS CLI (v1, from PyPI) for the end-to-end check that it works unmodified.
AWSCLI_VERSION=1.46.3
if ! target/awscli/bin/aws --version 2>&1 | grep -q "aws-cli/${AWSCLI_VERSION} "; then
  step "installing the AWS CLI ${AWSCLI_VERSION} into target/awscli"
  python3 -m venv target/awscli
  target/awscli/bin/pip install --quiet --disable-pip-version-check "awscli==${AWSCLI_VERSION}"
fi

# boto3 (the Python SDK, from PyPI) for the end-to-end run of every operation.
# Its own venv: the AWS CLI vendors a botocore of its own, and boto3 pins a
# newer one; kept apart, neither install can move the other.
BOTO3_VERSION=1.44.5
BOTOCORE_VERSION=1.44.5
if ! target/boto3/bin/python -c 'import boto3, botocore, sys; sys.exit([boto3.__version__, botocore.__version__] != sys.argv[1:])' \
    "${BOTO3_VERSION}" "${BOTOCORE_VERSION}" 2>/dev/null; then
  step "installing boto3 ${BOTO3_VERSION} into target/boto3"
  python3 -m venv target/boto3
  target/boto3/bin/pip install --quiet --disable-pip-version-check "boto3==${BOTO3_VERSION}" "botocore==${BOTOCORE_VERSION}"
fi

# moto (from PyPI) as a real AWS STS and S3 on 127.0.0.1 for the end-to-end
# test of AWS roles (it checks the wire, not IAM trust).
MOTO_VERSION=5.2.5
if ! target/moto/bin/python -c 'import moto, sys; sys.exit(moto.__version__ != sys.argv[1])' "${MOTO_VERSION}" 2>/dev/null; then
  step "installing moto ${MOTO_VERSION} (server) into target/moto"
  python3 -m venv target/moto
  target/moto/bin/pip install --quiet --disable-pip-version-check "moto[server]==${MOTO_VERSION}"
fi

# signxml (from PyPI), an independent XML signer, as the SAML identity
# provider of the end-to-end test (tests/e2e/saml_idp.py) and the maker of
# the SAML fixtures (tests/saml/make_fixtures.py).
SIGNXML_VERSION=5.2.0
CRYPTOGRAPHY_VERSION=50.0.2
LXML_VERSION=6.1.3
if ! target/saml/bin/python -c 'import signxml, sys; from importlib.metadata import version as v; sys.exit([v("signxml"), v("cryptography"), v("lxml")] != sys.argv[1:])' \
    "${SIGNXML_VERSION}" "${CRYPTOGRAPHY_VERSION}" "${LXML_VERSION}" 2>/dev/null; then
  step "installing signxml ${SIGNXML_VERSION} into target/saml"
  python3 -m venv target/saml
  target/saml/bin/pip install --quiet --disable-pip-version-check "signxml==${SIGNXML_VERSION}" \
    "cryptography==${CRYPTOGRAPHY_VERSION}" "lxml==${LXML_VERSION}"
fi

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.cognate-lock 2>/dev/null)" != "$lock_hash" ]; then
  step "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > node_modules/.cognate-lock
fi
