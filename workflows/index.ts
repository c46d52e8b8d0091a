// Everything the order worker's workflow bundle contains.
export { PlaceOrder } from './place-order.js';
export { AdjustStock, CreateProduct, UpdateProduct } from './catalog.js';
export { CreateWebhookSubscription, DeleteWebhookSubscription, DeliverWebhooks, UpdateWebhookSubscription, WebhookRelay } from './webhooks.js';
