//! cognate's admin operations on SAML identity providers, named and shaped
//! as IAM's (`CreateSAMLProvider`, `GetSAMLProvider`, `UpdateSAMLProvider`,
//! `ListSAMLProviders`, `DeleteSAMLProvider`), on the ARN
//! `arn:aws:iam::<ACCOUNT_ID>:saml-provider/<Name>`. Metadata is parsed
//! before it is stored (refused as `InvalidParameterException` "Could not
//! parse metadata.", IAM's `InvalidInput`), so a stored provider always
//! loads; at most [`MAX_METADATA_BYTES`] (1 MiB, where IAM takes 10 million
//! characters: the request body is bounded at 1 MiB anyway). An unknown ARN
//! is `NoSuchEntityException` and a name taken `ResourceConflictException`
//! (IAM's `EntityAlreadyExists`). Dates are epoch seconds, as the Cognito
//! JSON protocol writes them. Sign-in reads a provider from the read store
//! (the settings authority on a miss) and keeps it parsed per isolate.

use std::rc::Rc;

use serde::Deserialize;
use serde_json::{json, Value};

use super::{decode, Service};
use crate::core::authority::Command;
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::error::{ApiError, ErrorKind};
use crate::core::login::saml::{provider_arn, provider_name, valid_name};
use crate::core::records::SamlProviderRecord;
use crate::core::saml::{parse_metadata, SamlIdp, MAX_METADATA_BYTES};
use crate::core::store::{keys, Store};
use crate::core::validate::Violations;

/// IAM's shortest metadata document.
const MIN_METADATA_CHARS: usize = 1000;
/// The most providers ListSAMLProviders pages through (IAM allows 100 an account).
const MAX_LISTED_PAGES: usize = 10;

#[derive(Deserialize)]
pub(super) struct SamlProviderInput {
    #[serde(rename = "Name")]
    name: Option<String>,
    #[serde(rename = "SAMLProviderArn")]
    arn: Option<String>,
    #[serde(rename = "SAMLMetadataDocument")]
    metadata: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ListSamlProvidersInput {}

fn no_such_provider(arn: &str) -> ApiError {
    ApiError::new(ErrorKind::NoSuchEntity, format!("The SAML provider with ARN {arn} cannot be found."))
}

impl SamlProviderInput {
    /// Checks the members an operation takes: the name (create) or the ARN
    /// (the others), and the metadata when `with_metadata`.
    fn check(&self, by_name: bool, with_metadata: bool) -> Result<(), ApiError> {
        let mut v = Violations::new();
        if by_name {
            if let Some(name) = v.required("name", &self.name) {
                v.string("name", name, 1, 128, Some(crate::core::validate::Pattern::DeveloperProvider));
            }
        } else if let Some(arn) = v.required("sAMLProviderArn", &self.arn) {
            v.string("sAMLProviderArn", arn, 20, 2048, None);
        }
        if with_metadata {
            if let Some(document) = v.required("sAMLMetadataDocument", &self.metadata) {
                v.string("sAMLMetadataDocument", document, MIN_METADATA_CHARS, MAX_METADATA_BYTES, None);
            }
        }
        v.finish()
    }
}

/// The metadata parsed, or IAM's refusal (the reason goes to the log).
fn parsed(metadata: &str) -> Result<SamlIdp, ApiError> {
    parse_metadata(metadata).map_err(|e| {
        ApiError::invalid_parameter("Could not parse metadata.").with_detail(format!("SAML metadata refused: {e}"))
    })
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    /// The name of the SAML provider `arn` names, if it is this deployment's.
    fn saml_name<'a>(&self, arn: &'a str) -> Result<&'a str, ApiError> {
        provider_name(arn, &self.config.account_id).ok_or_else(|| no_such_provider(arn))
    }

    pub(super) async fn create_saml_provider(&self, input: SamlProviderInput) -> Result<Value, ApiError> {
        input.check(true, true)?;
        let (name, metadata) = (input.name.unwrap_or_default(), input.metadata.unwrap_or_default());
        let idp = parsed(&metadata)?;
        let arn = provider_arn(&self.config.account_id, &name);
        let provider = SamlProviderRecord {
            name: name.clone(),
            metadata,
            created: self.clock.now(),
            valid_until: idp.valid_until(),
        };
        let applied = self.authority.apply(self.settings_route(), Command::PutSamlProvider { provider, create: true });
        let applied = applied.await;
        self.cache.forget_saml_idp(&name);
        applied?;
        Ok(json!({ "SAMLProviderArn": arn }))
    }

    pub(super) async fn update_saml_provider(&self, input: SamlProviderInput) -> Result<Value, ApiError> {
        input.check(false, true)?;
        let (arn, metadata) = (input.arn.unwrap_or_default(), input.metadata.unwrap_or_default());
        let name = self.saml_name(&arn)?.to_owned();
        let idp = parsed(&metadata)?;
        let provider = SamlProviderRecord { name: name.clone(), metadata, created: 0, valid_until: idp.valid_until() };
        let applied = self.authority.apply(self.settings_route(), Command::PutSamlProvider { provider, create: false });
        let applied = applied.await;
        self.cache.forget_saml_idp(&name);
        applied.map_err(|e| if e.kind == ErrorKind::NoSuchEntity { no_such_provider(&arn) } else { e })?;
        Ok(json!({ "SAMLProviderArn": arn }))
    }

    pub(super) async fn get_saml_provider(&self, input: SamlProviderInput) -> Result<Value, ApiError> {
        input.check(false, false)?;
        let arn = input.arn.unwrap_or_default();
        let name = self.saml_name(&arn)?;
        let json = self.read(&keys::saml_provider(name), Some(self.settings_route())).await?;
        let record: SamlProviderRecord = decode(json.as_deref())?.ok_or_else(|| no_such_provider(&arn))?;
        let mut out = json!({ "SAMLMetadataDocument": record.metadata, "CreateDate": record.created });
        if let Some(until) = record.valid_until {
            out["ValidUntil"] = until.into();
        }
        Ok(out)
    }

    pub(super) async fn list_saml_providers(&self, _input: ListSamlProvidersInput) -> Result<Value, ApiError> {
        let mut list = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_LISTED_PAGES {
            let page = self.list_page(keys::SAML_PROVIDER_PREFIX, Some(1000), cursor.as_deref()).await?;
            for key in &page.keys {
                let name = &key.name[keys::SAML_PROVIDER_PREFIX.len()..];
                let dates = key.metadata.as_deref().and_then(SamlProviderRecord::dates_from_metadata);
                let (created, until) = dates.unwrap_or_default();
                let mut entry = json!({ "Arn": provider_arn(&self.config.account_id, name), "CreateDate": created });
                if let Some(until) = until {
                    entry["ValidUntil"] = until.into();
                }
                list.push(entry);
            }
            cursor = page.cursor;
            if cursor.is_none() {
                break;
            }
        }
        Ok(json!({ "SAMLProviderList": list }))
    }

    pub(super) async fn delete_saml_provider(&self, input: SamlProviderInput) -> Result<Value, ApiError> {
        input.check(false, false)?;
        let arn = input.arn.unwrap_or_default();
        let name = self.saml_name(&arn)?.to_owned();
        let applied = self.authority.apply(self.settings_route(), Command::DeleteSamlProvider { name: name.clone() });
        let applied = applied.await;
        self.cache.forget_saml_idp(&name);
        applied.map_err(|e| if e.kind == ErrorKind::NoSuchEntity { no_such_provider(&arn) } else { e })?;
        Ok(json!({}))
    }

    /// The parsed SAML provider `name` (`None`: there is none), from the
    /// isolate's cache or the read store (the settings authority on a
    /// miss), kept for the cache's lifetime. A stored document that no longer
    /// parses fails the request (closed).
    pub(super) async fn saml_idp(&self, name: &str) -> Result<Option<Rc<SamlIdp>>, ApiError> {
        let now = self.clock.now();
        if let Some(idp) = self.cache.saml_idp(name, now) {
            return Ok(idp);
        }
        if !valid_name(name) {
            return Ok(None);
        }
        let json = self.read(&keys::saml_provider(name), Some(self.settings_route())).await?;
        let record: Option<SamlProviderRecord> = decode(json.as_deref())?;
        let idp = match record {
            Some(record) => Some(Rc::new(
                parse_metadata(&record.metadata)
                    .map_err(|e| ApiError::internal(format!("stored SAML provider {name}: {e}")))?,
            )),
            None => None,
        };
        self.cache.keep_saml_idp(name, idp.clone(), now, self.config.cache_seconds);
        Ok(idp)
    }
}
