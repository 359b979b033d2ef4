export const PRODUCT_NAME = 'Outpost';
