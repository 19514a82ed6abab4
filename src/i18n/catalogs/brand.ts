import type { CatalogArea } from '../index.js';

/** The tenant's brand on pages (header, footer) and the time zone label. */
const brand: CatalogArea = {
  ja: {
    'time.zone_japan': '日本時間',
    'brand.support': 'お問い合わせ',
    'brand.phone': '電話',
    'brand.email': 'メール',
    'brand.hours': '受付時間',
    'brand.terms': '利用規約',
    'brand.privacy': 'プライバシーポリシー',
    'brand.links': 'ご利用にあたって',
  },
  en: {
    'time.zone_japan': 'JST',
    'brand.support': 'Contact',
    'brand.phone': 'Phone',
    'brand.email': 'E-mail',
    'brand.hours': 'Hours',
    'brand.terms': 'Terms of use',
    'brand.privacy': 'Privacy policy',
    'brand.links': 'About this service',
  },
};

export default brand;
