"""The provider-agnostic core: sessions, outcomes, scenarios, redirects, tokens, webhooks."""
