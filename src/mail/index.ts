export {
  MAIL_TEMPLATES,
  MailRenderer,
  MailTemplateError,
  tenantMailData,
  textToParagraphs,
  type MailTemplateName,
  type RenderedMail,
} from './render.js';
export {
  MailSendError,
  createFileTransport,
  createSmtpTransport,
  type MailTransport,
  type OutgoingMessage,
} from './transport.js';
export { Mailer, OutboxWorker, defaultBackoff } from './outbox.js';
export { MailBodyError, isSealedBody, openMailBody, sealMailBody, sealStoredMail } from './sealing.js';
