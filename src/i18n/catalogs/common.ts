import type { CatalogArea } from '../index.js';

const common: CatalogArea = {
  ja: {},
  en: {},
};

export default common;
