//! A test Kubernetes API server serving recorded objects.
//!
//! It serves a [`Platform`] — clusters and their objects, loaded from a fixture directory
//! ([`Platform::load_dir`]) or built in code — over real HTTPS, the way kube-apiserver behind the
//! Alauda Container Platform proxy does: every cluster under `/kubernetes/<cluster>/`, with
//! discovery (plain and aggregated), list and get (label and field selectors, pagination), GETs
//! through the service proxy (`/api/v1/namespaces/<ns>/services/<name>/proxy/<path>`, answered
//! from [`Cluster::set_service_answer`]), and kube-apiserver's `Status` errors. Requests need a
//! bearer token, only reads are served, every request is logged ([`TestApiServer::requests`])
//! and faults can be injected ([`FaultRule`]).
//!
//! Custom kinds are served only on clusters holding their CustomResourceDefinition (add it like
//! any other object, e.g. from [`custom_resource_definition`]); elsewhere they answer 404, as on a
//! real server. The fixture layout is described on [`Platform::load_dir`].
//!
//! ```no_run
//! use test_apiserver::{Platform, ServerOptions, TestApiServer};
//!
//! let platform = Platform::load_dir("testdata/platform").unwrap();
//! let server = TestApiServer::start_blocking(platform, ServerOptions::default()).unwrap();
//! let kubeconfig = server.kubeconfig(&[("global", "global")], test_apiserver::DEFAULT_TOKEN);
//! # drop(kubeconfig);
//! ```

#![warn(missing_docs)]

mod api;
mod discovery;
mod faults;
mod fixture;
mod kubeconfig;
mod model;
mod reply;
mod resources;
mod selector;
mod server;
mod tls;

pub use faults::{AppliedFault, FaultAction, FaultRule, PathMatch};
pub use fixture::FixtureError;
pub use model::{Cluster, InvalidObject, Platform, custom_resource_definition, object};
pub use server::{DEFAULT_TOKEN, RequestRecord, ServerOptions, StartError, TestApiServer};
