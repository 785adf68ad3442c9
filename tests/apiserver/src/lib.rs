//! A test Kubernetes API server serving recorded objects.
