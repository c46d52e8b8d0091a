import { defineSearchAttributeKey } from '@temporalio/common';

/** Registered on the server at start (`--search-attribute`); kept current by the workflow. */
export const ORDER_STATUS = defineSearchAttributeKey('OrderStatus', 'KEYWORD');
export const CUSTOMER_ID = defineSearchAttributeKey('CustomerId', 'KEYWORD');

export const SEARCH_ATTRIBUTE_DEFINITIONS = [ORDER_STATUS, CUSTOMER_ID].map((key) => ({ name: key.name, type: key.type }));
