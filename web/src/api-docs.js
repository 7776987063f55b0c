// api-docs.js -- the /api/docs page: swagger-ui renders GET /api/v1/openapi.json.
//
// Offline: swagger-ui-bundle.js is the npm package swagger-ui-dist embedded in
// the binary (no CDN, no web font) and the online validator badge is off.
// "Try it out" is offered for reads only: a write needs the CSRF token the
// pages keep in memory.  Requests carry the page's language (Accept-Language),
// so server messages come back in it, as in the app.
import { getLang } from './i18n.js';

function start() {
  window.ui = window.SwaggerUIBundle({
    url: '/api/v1/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    docExpansion: 'none',
    defaultModelsExpandDepth: -1,
    validatorUrl: null,
    supportedSubmitMethods: ['get'],
    requestInterceptor: (req) => {
      req.headers['Accept-Language'] = getLang() === 'en' ? 'en' : 'zh-CN';
      return req;
    },
  });
}

// The bundle is a classic deferred script: it has run before this module.
if (window.SwaggerUIBundle) start();
else window.addEventListener('load', start);
