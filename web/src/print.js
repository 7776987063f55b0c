// print.js -- the print button of the server's printable pages (the donation
// certificate).  A script file, not an onclick attribute: the
// Content-Security-Policy runs no inline handler (issue 16).
for (const b of document.querySelectorAll('button.print')) b.addEventListener('click', () => window.print());
