"""Every operation of Cognito Identity through boto3, the unmodified Python SDK.

Run by tests/e2e/boto3.test.mjs with the venv's python (target/boto3), which
writes one JSON object to stdin:

    {"endpoint": "http://127.0.0.1:…", "region": "us-east-1",
     "accessKeyId": "…", "secretAccessKey": "…",      # the admin key pair
     "account": "000000000000",                        # for pool ARNs
     "provider": "127.0.0.1:…", "clientId": "cognate-e2e",   # the OpenID provider
     "tokens": {"alice": "<ID token>", "bob": "<ID token>"}}  # minted by it

Admin operations are SigV4-signed with the admin key pair; GetId,
GetCredentialsForIdentity, GetOpenIdToken and UnlinkIdentity go through a
client with signature_version=UNSIGNED, as an app's would. Every answer is
checked against what Cognito answers; a few errors are checked to arrive as
the exception classes boto3 maps them to.

Prints a JSON summary: the operations that answered 200 (recorded from
botocore's after-call events, so it is what went over the wire) and the
errors seen. Exits 1 on the first failed check, printing what failed.
Standard library and boto3 only.
"""

import base64
import json
import sys
import traceback
import uuid
from datetime import datetime, timezone

import boto3
import botocore
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

DEV = "login.boto3-app"
COGNITO = "cognito-identity.amazonaws.com"
GUEST_ROLE = "arn:aws:iam::000000000000:role/boto3-guest"
USER_ROLE = "arn:aws:iam::000000000000:role/boto3-user"
USER_POOL = "cognito-idp.us-east-1.amazonaws.com/us-east-1_b0t03"

answered = set()  # operations that answered 200
errors = []  # [{"operation", "code", "status"}] of the error answers


class CheckFailed(Exception):
    """A response that is not what Cognito answers."""


def check(condition, message):
    """Fails the run with `message` unless `condition` (unlike assert, never stripped by -O)."""
    if not condition:
        raise CheckFailed(message)


def equal(got, want, what):
    check(got == want, f"{what}: got {got!r}, want {want!r}")


def record(http_response=None, model=None, **_):
    """botocore's after-call hook: what each call answered."""
    status = http_response.status_code if http_response is not None else None
    if status == 200:
        answered.add(model.name)


def expect_error(call, exception_class, code, message=None, status=400):
    """Runs `call`, which must raise `exception_class` with `code` (and `message`, a str or callable)."""
    try:
        call()
    except exception_class as e:
        got = e.response["Error"]
        equal(got["Code"], code, "error code")
        equal(e.response["ResponseMetadata"]["HTTPStatusCode"], status, f"{code}: HTTP status")
        if isinstance(message, str):
            equal(got["Message"], message, f"{code}: message")
        elif message is not None:
            check(message(got["Message"]), f"{code}: unexpected message {got['Message']!r}")
        errors.append({"operation": e.operation_name, "code": code, "status": status})
        return e
    except ClientError as e:
        raise CheckFailed(f"expected {exception_class.__name__} ({code}), got {type(e).__name__}: {e}") from e
    raise CheckFailed(f"expected {exception_class.__name__} ({code}), but the call succeeded")


def jwt_payload(token):
    """The claims of a compact JWS (not verified here: cognate's own tests verify its tokens)."""
    parts = token.split(".")
    equal(len(parts), 3, "a JWT has three parts")
    body = parts[1] + "=" * (-len(parts[1]) % 4)
    return json.loads(base64.urlsafe_b64decode(body))


def strip(response):
    """A response without botocore's ResponseMetadata."""
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def check_credentials(response, identity_id):
    equal(response["IdentityId"], identity_id, "GetCredentialsForIdentity: IdentityId")
    c = response["Credentials"]
    check(c["AccessKeyId"].startswith("ASIA"), f"temporary keys start ASIA: {c['AccessKeyId']!r}")
    check(len(c["SecretKey"]) >= 40 and c["SessionToken"], "a secret key and a session token")
    check(isinstance(c["Expiration"], datetime), "boto3 parses Expiration as a timestamp")
    check(c["Expiration"] > datetime.now(timezone.utc), f"Expiration in the future: {c['Expiration']}")


def run(cfg):
    retries = {"max_attempts": 1, "mode": "standard"}
    common = {"endpoint_url": cfg["endpoint"], "region_name": cfg["region"]}
    admin = boto3.client(
        "cognito-identity",
        aws_access_key_id=cfg["accessKeyId"],
        aws_secret_access_key=cfg["secretAccessKey"],
        config=Config(retries=retries),
        **common,
    )
    app = boto3.client("cognito-identity", config=Config(signature_version=UNSIGNED, retries=retries), **common)
    # boto3 checks parameters before sending; this one does not, to see the server's ValidationException.
    unchecked = boto3.client(
        "cognito-identity",
        aws_access_key_id=cfg["accessKeyId"],
        aws_secret_access_key=cfg["secretAccessKey"],
        config=Config(retries=retries, parameter_validation=False),
        **common,
    )
    for c in (admin, app, unchecked):
        c.meta.events.register("after-call.cognito-identity", record)

    provider, client_id = cfg["provider"], cfg["clientId"]
    alice_token, bob_token = cfg["tokens"]["alice"], cfg["tokens"]["bob"]

    # ---- pools: create, describe, list, update ----
    config = {
        "IdentityPoolName": "boto3 pool",
        "AllowUnauthenticatedIdentities": True,
        "AllowClassicFlow": False,
        "SupportedLoginProviders": {provider: client_id},
        "DeveloperProviderName": DEV,
        "CognitoIdentityProviders": [{"ProviderName": USER_POOL, "ClientId": "b0t03client", "ServerSideTokenCheck": False}],
    }
    created = strip(admin.create_identity_pool(**config, IdentityPoolTags={"team": "py"}))
    pool = created["IdentityPoolId"]
    check(pool.startswith(cfg["region"] + ":") and len(pool) == len(cfg["region"]) + 37, f"a pool id: {pool!r}")
    equal(created, {"IdentityPoolId": pool, **config, "IdentityPoolTags": {"team": "py"}}, "CreateIdentityPool round-trips")
    equal(strip(admin.describe_identity_pool(IdentityPoolId=pool)), created, "DescribeIdentityPool")

    listed = [p for page in admin.get_paginator("list_identity_pools").paginate(MaxResults=60) for p in page["IdentityPools"]]
    equal([p for p in listed if p["IdentityPoolId"] == pool], [{"IdentityPoolId": pool, "IdentityPoolName": "boto3 pool"}], "ListIdentityPools")

    updated_config = {**config, "IdentityPoolName": "boto3 pool renamed", "AllowClassicFlow": True}
    updated = strip(admin.update_identity_pool(IdentityPoolId=pool, **updated_config))
    equal(updated, {"IdentityPoolId": pool, **updated_config, "IdentityPoolTags": {"team": "py"}}, "UpdateIdentityPool (tags kept)")
    equal(strip(admin.describe_identity_pool(IdentityPoolId=pool)), updated, "DescribeIdentityPool after the update")

    # ---- roles ----
    mappings = {provider: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}}
    roles = {"authenticated": USER_ROLE, "unauthenticated": GUEST_ROLE}
    admin.set_identity_pool_roles(IdentityPoolId=pool, Roles=roles, RoleMappings=mappings)
    equal(
        strip(admin.get_identity_pool_roles(IdentityPoolId=pool)),
        {"IdentityPoolId": pool, "Roles": roles, "RoleMappings": mappings},
        "GetIdentityPoolRoles",
    )

    # ---- tags, by ARN ----
    arn = f"arn:aws:cognito-identity:{cfg['region']}:{cfg['account']}:identitypool/{pool}"
    equal(admin.list_tags_for_resource(ResourceArn=arn)["Tags"], {"team": "py"}, "ListTagsForResource")
    admin.tag_resource(ResourceArn=arn, Tags={"team": "data", "env": "dev"})
    equal(admin.list_tags_for_resource(ResourceArn=arn)["Tags"], {"team": "data", "env": "dev"}, "TagResource merges")
    admin.untag_resource(ResourceArn=arn, TagKeys=["team", "never-there"])
    equal(admin.list_tags_for_resource(ResourceArn=arn)["Tags"], {"env": "dev"}, "UntagResource removes")
    equal(admin.describe_identity_pool(IdentityPoolId=pool)["IdentityPoolTags"], {"env": "dev"}, "the tags are the pool's")
    missing_arn = arn.replace(pool, f"{cfg['region']}:{uuid.uuid4()}")
    expect_error(lambda: admin.list_tags_for_resource(ResourceArn=missing_arn), admin.exceptions.ResourceNotFoundException, "ResourceNotFoundException")

    # ---- principal tags ----
    tag_map = {"IdentityPoolId": pool, "IdentityProviderName": provider, "UseDefaults": False, "PrincipalTags": {"team": "team"}}
    equal(strip(admin.set_principal_tag_attribute_map(**tag_map)), tag_map, "SetPrincipalTagAttributeMap")
    equal(
        strip(admin.get_principal_tag_attribute_map(IdentityPoolId=pool, IdentityProviderName=provider)),
        tag_map,
        "GetPrincipalTagAttributeMap",
    )
    expect_error(
        lambda: admin.set_principal_tag_attribute_map(IdentityPoolId=pool, IdentityProviderName="nope.example.com", UseDefaults=True),
        admin.exceptions.InvalidParameterException,
        "InvalidParameterException",
        f"Identity provider 'nope.example.com' is not configured for identity pool '{pool}'.",
    )

    # ---- a guest, unsigned ----
    guest = app.get_id(IdentityPoolId=pool)["IdentityId"]
    check(guest.startswith(cfg["region"] + ":"), f"an identity id: {guest!r}")
    check_credentials(app.get_credentials_for_identity(IdentityId=guest), guest)
    opened = app.get_open_id_token(IdentityId=guest)
    equal(opened["IdentityId"], guest, "GetOpenIdToken: IdentityId")
    claims = jwt_payload(opened["Token"])
    equal((claims["sub"], claims["aud"]), (guest, pool), "a guest's OpenID token: sub and aud")
    equal(claims["amr"], ["unauthenticated"], "a guest's OpenID token: amr")

    # ---- sign-in with the OpenID provider's tokens ----
    alice = app.get_id(IdentityPoolId=pool, Logins={provider: alice_token})["IdentityId"]
    check(alice != guest, "a login makes its own identity")
    equal(app.get_id(IdentityPoolId=pool, Logins={provider: alice_token})["IdentityId"], alice, "the same login, the same identity")
    check_credentials(app.get_credentials_for_identity(IdentityId=alice, Logins={provider: alice_token}), alice)
    claims = jwt_payload(app.get_open_id_token(IdentityId=alice, Logins={provider: alice_token})["Token"])
    equal(claims["sub"], alice, "a signed-in OpenID token: sub")
    equal(claims["amr"][:2], ["authenticated", provider], "a signed-in OpenID token: amr")
    expect_error(
        lambda: app.get_credentials_for_identity(IdentityId=alice),
        app.exceptions.NotAuthorizedException,
        "NotAuthorizedException",
    )
    # The guest signs in as bob and keeps its id.
    check_credentials(app.get_credentials_for_identity(IdentityId=guest, Logins={provider: bob_token}), guest)
    described = admin.describe_identity(IdentityId=guest)
    equal(described["Logins"], [provider], "DescribeIdentity: the linked login")
    check(isinstance(described["CreationDate"], datetime), "boto3 parses CreationDate as a timestamp")
    equal(admin.describe_identity(IdentityId=alice)["Logins"], [provider], "DescribeIdentity: alice's login")

    ids, token = [], None
    while True:
        page = admin.list_identities(IdentityPoolId=pool, MaxResults=1, **({"NextToken": token} if token else {}))
        equal(page["IdentityPoolId"], pool, "ListIdentities: IdentityPoolId")
        check(len(page["Identities"]) <= 1, "ListIdentities honours MaxResults")
        ids += [i["IdentityId"] for i in page["Identities"]]
        token = page.get("NextToken")
        if not token:
            break
    equal(sorted(ids), sorted([guest, alice]), "ListIdentities, paged one by one")

    # ---- developer-authenticated identities ----
    dan, erin = f"dan-{uuid.uuid4().hex[:8]}@example.com", f"erin-{uuid.uuid4().hex[:8]}@example.com"
    minted = admin.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool, Logins={DEV: dan}, TokenDuration=3600, PrincipalTags={"plan": "pro"}
    )
    dan_id = minted["IdentityId"]
    claims = jwt_payload(minted["Token"])
    equal((claims["sub"], claims["aud"], claims["exp"] - claims["iat"]), (dan_id, pool, 3600), "a developer token: sub, aud, lifetime")
    equal(claims["amr"][:2], ["authenticated", DEV], "a developer token: amr")
    equal(claims["https://aws.amazon.com/tags"], {"principal_tags": {"plan": ["pro"]}}, "a developer token: principal tags")
    check_credentials(app.get_credentials_for_identity(IdentityId=dan_id, Logins={COGNITO: minted["Token"]}), dan_id)
    equal(
        admin.get_open_id_token_for_developer_identity(IdentityPoolId=pool, Logins={DEV: dan})["IdentityId"],
        dan_id,
        "the same developer user, the same identity",
    )
    erin_id = admin.get_open_id_token_for_developer_identity(IdentityPoolId=pool, Logins={DEV: erin})["IdentityId"]
    check(erin_id != dan_id, "another developer user, another identity")

    found = admin.lookup_developer_identity(IdentityPoolId=pool, DeveloperUserIdentifier=dan)
    equal((found["IdentityId"], found["DeveloperUserIdentifierList"]), (dan_id, [dan]), "LookupDeveloperIdentity by user")
    found = admin.lookup_developer_identity(IdentityPoolId=pool, IdentityId=erin_id, MaxResults=10)
    equal(found["DeveloperUserIdentifierList"], [erin], "LookupDeveloperIdentity by identity")
    expect_error(
        lambda: admin.lookup_developer_identity(IdentityPoolId=pool, DeveloperUserIdentifier="nobody@example.com"),
        admin.exceptions.ResourceNotFoundException,
        "ResourceNotFoundException",
    )
    expect_error(
        lambda: admin.get_open_id_token_for_developer_identity(IdentityPoolId=pool, Logins={DEV: erin}, IdentityId=guest),
        admin.exceptions.DeveloperUserAlreadyRegisteredException,
        "DeveloperUserAlreadyRegisteredException",
    )

    merged = admin.merge_developer_identities(
        SourceUserIdentifier=erin, DestinationUserIdentifier=dan, DeveloperProviderName=DEV, IdentityPoolId=pool
    )
    equal(merged["IdentityId"], dan_id, "MergeDeveloperIdentities returns the destination")
    equal(admin.lookup_developer_identity(IdentityPoolId=pool, DeveloperUserIdentifier=erin)["IdentityId"], dan_id, "the source user moved")
    equal(
        sorted(admin.lookup_developer_identity(IdentityPoolId=pool, IdentityId=dan_id)["DeveloperUserIdentifierList"]),
        sorted([dan, erin]),
        "the destination has both users",
    )
    expect_error(
        lambda: app.get_credentials_for_identity(IdentityId=erin_id),
        app.exceptions.NotAuthorizedException,
        "NotAuthorizedException",
        f"Identity '{erin_id}' is disabled.",
    )

    admin.unlink_developer_identity(IdentityId=dan_id, IdentityPoolId=pool, DeveloperProviderName=DEV, DeveloperUserIdentifier=dan)
    equal(
        admin.lookup_developer_identity(IdentityPoolId=pool, IdentityId=dan_id)["DeveloperUserIdentifierList"],
        [erin],
        "UnlinkDeveloperIdentity took dan's user away",
    )
    expect_error(
        lambda: admin.lookup_developer_identity(IdentityPoolId=pool, DeveloperUserIdentifier=dan),
        admin.exceptions.ResourceNotFoundException,
        "ResourceNotFoundException",
    )

    # ---- unlink a login, unsigned ----
    app.unlink_identity(IdentityId=alice, Logins={provider: alice_token}, LoginsToRemove=[provider])
    equal(admin.describe_identity(IdentityId=alice).get("Logins", []), [], "UnlinkIdentity removed the login")
    again = app.get_id(IdentityPoolId=pool, Logins={provider: alice_token})["IdentityId"]
    check(again != alice, "after unlinking, the login makes a new identity")

    # ---- errors boto3 has no class for, and signatures ----
    e = expect_error(lambda: unchecked.delete_identities(IdentityIdsToDelete=[]), ClientError, "ValidationException")
    check(type(e) is ClientError, f"a ValidationException is a plain ClientError, not {type(e).__name__}")
    wrong = boto3.client(
        "cognito-identity",
        aws_access_key_id=cfg["accessKeyId"],
        aws_secret_access_key="x" * 40,
        config=Config(retries=retries),
        **common,
    )
    wrong.meta.events.register("after-call.cognito-identity", record)
    expect_error(lambda: wrong.describe_identity_pool(IdentityPoolId=pool), ClientError, "InvalidSignatureException")
    expect_error(lambda: app.describe_identity_pool(IdentityPoolId=pool), ClientError, "MissingAuthenticationTokenException")

    # ---- deleting ----
    deleted = admin.delete_identities(IdentityIdsToDelete=[guest, again])
    equal(deleted["UnprocessedIdentityIds"], [], "DeleteIdentities: nothing unprocessed")
    expect_error(lambda: admin.describe_identity(IdentityId=guest), admin.exceptions.ResourceNotFoundException, "ResourceNotFoundException")
    admin.delete_identity_pool(IdentityPoolId=pool)
    expect_error(
        lambda: admin.describe_identity_pool(IdentityPoolId=pool),
        admin.exceptions.ResourceNotFoundException,
        "ResourceNotFoundException",
        f"IdentityPool '{pool}' not found.",
    )
    expect_error(lambda: app.get_id(IdentityPoolId=pool), app.exceptions.ResourceNotFoundException, "ResourceNotFoundException")

    every = set(admin.meta.service_model.operation_names)
    check(answered >= every, f"operations never answered 200: {sorted(every - answered)}")


def main():
    summary = {"boto3": boto3.__version__, "botocore": botocore.__version__}
    try:
        run(json.load(sys.stdin))
        ok = True
    except Exception:  # noqa: BLE001 - every failure is reported, then exit 1
        traceback.print_exc()
        ok = False
    summary.update(ok=ok, operations=sorted(answered), errors=errors)
    print(json.dumps(summary, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
