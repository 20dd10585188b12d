package vigil

// WebhookOutbox keeps the events other services are told about by signed
// webhooks, written in the same transaction as the change they describe:
// filled in by the webhooks work (SPEC: audit trail).
type WebhookOutbox interface{}
