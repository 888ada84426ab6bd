import { describe, expect, it } from 'vitest';
import {
  customerEmailKey,
  documentTitle,
  escapeHtml,
  formatClp,
  renderCustomerEmail,
} from '#domain/customerEmail';
import { aDteIssued } from '#src/testing/aDteIssuedEvent';

describe('formatClp', () => {
  it('formats whole pesos the Chilean way', () => {
    expect(formatClp(19990)).toBe('$19.990');
    expect(formatClp(0)).toBe('$0');
    expect(formatClp(1234567)).toBe('$1.234.567');
  });
});

describe('escapeHtml', () => {
  it('escapes every character that could open markup or break an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});

describe('renderCustomerEmail', () => {
  it('names a boleta (39) with its folio, in subject and body', () => {
    const email = renderCustomerEmail(aDteIssued({ dteType: 39, folio: 4711 }));
    expect(email.subject).toBe('Tu boleta electrónica N° 4711 – pedido PO-1001');
    expect(email.text.split('\n')[0]).toBe('Boleta electrónica N° 4711');
    expect(email.text).toContain('Te enviamos tu boleta electrónica N° 4711, emitida');
    expect(email.html).toMatch(/<h1[^>]*>Boleta electrónica N° 4711<\/h1>/);
    expect(email.html).toContain('<strong>boleta electrónica N° 4711</strong>');
    expect(email.text).not.toContain('RUT');
  });

  it('names a factura (33) and shows the buyer RUT', () => {
    const dte = aDteIssued({
      dteType: 33,
      folio: 88,
      customer: { id: 'C-9', taxId: '76123456-7', name: 'Ferretería Sur SpA', email: 'compras@sur.cl' },
    });
    const email = renderCustomerEmail(dte);
    expect(email.subject).toBe('Tu factura electrónica N° 88 – pedido PO-1001');
    expect(documentTitle(dte)).toBe('Factura electrónica N° 88');
    expect(email.text.split('\n')[0]).toBe('Factura electrónica N° 88');
    expect(email.text).toContain('Te enviamos tu factura electrónica N° 88 (RUT 76123456-7), emitida');
    expect(email.html).toContain('Hola Ferretería Sur SpA:');
  });

  it('greets the customer and lists lines, neto, IVA and total in pesos, and the order id', () => {
    const { text, html } = renderCustomerEmail(aDteIssued());
    expect(text).toContain('Hola Ana Pérez:');
    expect(text).toContain('- Tijeras: 2 x $9.995 = $19.990');
    expect(text).toContain('- Cuaderno: 1 x $5.000 = $5.000');
    expect(text).toContain('Neto: $21.001\nIVA (19%): $3.989\nTotal: $24.990');
    expect(text).toContain('Pedido: PO-1001');
    expect(text).toContain('emitida el 24 de noviembre de 2026');
    expect(html).toMatch(
      /<th [^>]*>Descripción<\/th><th [^>]*>Cantidad<\/th><th [^>]*>Precio unitario<\/th><th [^>]*>Total<\/th>/,
    );
    expect(html).toMatch(
      /<td [^>]*>Tijeras<\/td><td [^>]*>2<\/td><td [^>]*>\$9\.995<\/td><td [^>]*>\$19\.990<\/td>/,
    );
    expect(html).toMatch(/>Neto<\/th><td [^>]*>\$21\.001<\/td>/);
    expect(html).toMatch(/>IVA \(19%\)<\/th><td [^>]*>\$3\.989<\/td>/);
    expect(html).toMatch(/>Total<\/th><td [^>]*>\$24\.990<\/td>/);
    expect(html).toContain('Pedido: PO-1001');
  });

  it('dates the document in Chilean time, whatever the server zone', () => {
    // 02:30 UTC on the 25th is still the 24th in Santiago (UTC-3 in November).
    const { text } = renderCustomerEmail(aDteIssued({ issuedAt: '2026-11-25T02:30:00.000Z' }));
    expect(text).toContain('emitida el 24 de noviembre de 2026');
  });

  it('HTML-escapes every value from the order', () => {
    const email = renderCustomerEmail(
      aDteIssued({
        customer: { id: 'C-1', name: 'Ana <script>alert(1)</script> & "Co"', email: 'ana@example.cl' },
        lines: [
          {
            sku: 'S',
            description: '<img src=x onerror=alert(1)> & más',
            quantity: 1,
            unitPrice: 100,
            lineTotal: 100,
          },
        ],
      }),
    );
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<img');
    expect(email.html).toContain('Hola Ana &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;:');
    expect(email.html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; más');
    // The text part is plain text: shown as written, never interpreted.
    expect(email.text).toContain('Hola Ana <script>alert(1)</script> & "Co":');
  });

  it('is pure: the same DTE renders the same email', () => {
    expect(renderCustomerEmail(aDteIssued())).toEqual(renderCustomerEmail(aDteIssued()));
  });
});

describe('customerEmailKey', () => {
  it('is stable for one event and distinct across events', () => {
    expect(customerEmailKey('PO-1001', '01JD0000000000000000000000')).toBe(
      'PO-1001-01JD0000000000000000000000',
    );
    expect(customerEmailKey('PO-1001', '01JD0000000000000000000001')).not.toBe(
      customerEmailKey('PO-1001', '01JD0000000000000000000000'),
    );
  });
});
