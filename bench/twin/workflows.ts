// The twins' workflow bundle: the real saga (run on no-op activities) and the frozen floor.
export { PlaceOrder } from '../../workflows/place-order.js';
export { FiveActivityTwin } from './five-activity-twin.js';
