/* Fast path of fastcms.signed_data and fastcms.tst_info: the same DER walk in C.
 *
 * Contract (tested differentially against the pure-Python reference in fastcms.py):
 * whenever this code returns a result, the reference returns exactly the same fields for
 * the same input. Whenever the input is anything but the expected shape in DER, or in
 * the BER real ISDS ZFOs use where signed_data and cms_layout read it (indefinite lengths
 * on the way to the eContent and on the certificates' [0], the eContent as a constructed
 * OCTET STRING of chunks), it returns None (high tag numbers, a wrong tag, a count over a
 * limit, trailing data, an indefinite length elsewhere, ...) and the caller runs the
 * reference, which produces the error (and its message) or the result. So this code never
 * has to reproduce an error message, only to refuse what it is not sure of.
 *
 * Every read is bounds-checked against its parent; no recursion; lengths above 2^31 are
 * refused (a ZFO is capped far below that). Only plain C and the CPython C API (with its
 * datetime API) are used, so it builds with any C compiler setuptools finds (gcc, clang, MSVC).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <string.h>
#if defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
#include <emmintrin.h>
#define HAVE_SSE2 1
#endif

/* Bump when a function is added or changes its contract (fastcms.CDER_API must match). */
#define CDER_API 6

typedef struct {
    int tag;
    Py_ssize_t start, body, end;   /* end: before the end-of-contents of an indefinite value */
    Py_ssize_t next;               /* the following sibling (end, or after end-of-contents) */
    int indef;
} tlv_t;

#define BAIL (-1)
/* fastcms.MAX_INDEFINITE_DEPTH: indefinite values nested in one read */
#define MAX_INDEFINITE_DEPTH 32

/* One TLV at pos that must end by limit. Returns 0, or BAIL for anything the reference
 * would refuse or read differently (we only accept what both read the same way).
 * ber < 0: plain DER only (an indefinite length bails); ber >= 0: fastcms.read's BER at
 * that nesting depth (indefinite lengths of constructed values, their end-of-contents
 * found by reading the children, nested at most MAX_INDEFINITE_DEPTH deep). */
static int rdx(const unsigned char *b, Py_ssize_t pos, Py_ssize_t limit, tlv_t *t, int ber)
{
    if (pos + 2 > limit) return BAIL;
    int tag = b[pos];
    if ((tag & 0x1F) == 0x1F) return BAIL;
    int lb = b[pos + 1];
    Py_ssize_t i = pos + 2, length;
    if (lb < 0x80) {
        length = lb;
    } else if (lb == 0x80) {
        /* primitive values are never indefinite; the reference raises beyond the depth */
        if (ber < 0 || !(tag & 0x20) || ber >= MAX_INDEFINITE_DEPTH) return BAIL;
        Py_ssize_t p = i;
        for (;;) {
            if (p + 2 > limit) return BAIL; /* unterminated */
            if (b[p] == 0 && b[p + 1] == 0) break;
            tlv_t c;
            if (rdx(b, p, limit, &c, ber + 1)) return BAIL;
            p = c.next;
        }
        t->tag = tag;
        t->start = pos;
        t->body = i;
        t->end = p;
        t->next = p + 2;
        t->indef = 1;
        return 0;
    } else {
        int n = lb & 0x7F;
        if (n > 4 || i + n > limit) return BAIL;
        unsigned long v = 0;
        for (int k = 0; k < n; k++) v = (v << 8) | b[i + k];
        if (v > 0x7FFFFFFFUL) return BAIL;
        length = (Py_ssize_t)v;
        i += n;
    }
    if (length > limit - i) return BAIL;
    t->tag = tag;
    t->start = pos;
    t->body = i;
    t->end = i + length;
    t->next = t->end;
    t->indef = 0;
    return 0;
}

static int rd(const unsigned char *b, Py_ssize_t pos, Py_ssize_t limit, tlv_t *t)
{
    return rdx(b, pos, limit, t, -1);
}

/* The children of p (at most max, else BAIL), into out[]; returns the count or BAIL.
 * ber: as rdx (fastcms.children reads each child at depth 0). */
static int kidsx(const unsigned char *b, const tlv_t *p, tlv_t *out, int max, int ber)
{
    Py_ssize_t pos = p->body;
    int n = 0;
    while (pos < p->end) {
        if (n >= max) return BAIL;
        if (rdx(b, pos, p->end, &out[n], ber)) return BAIL;
        pos = out[n].next;
        n++;
    }
    return n;
}

static int kids(const unsigned char *b, const tlv_t *p, tlv_t *out, int max)
{
    return kidsx(b, p, out, max, -1);
}

/* BER children (indefinite lengths read as fastcms.read reads them). */
static int kidsb(const unsigned char *b, const tlv_t *p, tlv_t *out, int max)
{
    return kidsx(b, p, out, max, 0);
}

/* fastcms.octets of an OCTET STRING, primitive or constructed (BER chunks, any number of
 * them, nested at most MAX_INDEFINITE_DEPTH deep): with dst NULL, adds the content
 * length to *size; else copies the content to dst + *size. Two walks (size, then copy) so
 * that a big eContent is joined into one buffer allocated once. */
static int octets_walk(const unsigned char *b, const tlv_t *t, int depth, char *dst,
                       Py_ssize_t *size)
{
    if (t->tag == 0x04) {
        if (dst) memcpy(dst + *size, b + t->body, (size_t)(t->end - t->body));
        *size += t->end - t->body;
        return 0;
    }
    if (t->tag != 0x24 || depth >= MAX_INDEFINITE_DEPTH) return BAIL;
    Py_ssize_t pos = t->body;
    while (pos < t->end) {
        tlv_t c;
        if (rdx(b, pos, t->end, &c, 0)) return BAIL;
        if (octets_walk(b, &c, depth + 1, dst, size)) return BAIL;
        pos = c.next;
    }
    return 0;
}

/* The content of an OCTET STRING as bytes; NULL with *bail set when the reference must
 * read it, NULL alone on a memory error. */
static PyObject *octets_of(const unsigned char *b, const tlv_t *t, int *bail)
{
    if (t->tag == 0x04) return PyBytes_FromStringAndSize((const char *)b + t->body,
                                                         t->end - t->body);
    Py_ssize_t size = 0;
    if (octets_walk(b, t, 0, NULL, &size)) { *bail = 1; return NULL; }
    PyObject *out = PyBytes_FromStringAndSize(NULL, size);
    if (!out) return NULL;
    Py_ssize_t done = 0;
    if (octets_walk(b, t, 0, PyBytes_AS_STRING(out), &done) || done != size) {
        Py_DECREF(out);  /* cannot happen: the same walk over the same bytes */
        *bail = 1;
        return NULL;
    }
    return out;
}

/* The primitive pieces of an OCTET STRING in the order octets_walk joins them, as (body,
 * end) offsets: with dst NULL, counts them in *n; else writes pair k at dst[2k], dst[2k+1].
 * A constructed value nested max_depth deep (or any other tag) bails, as octets_walk at
 * MAX_INDEFINITE_DEPTH. */
static int spans_walk(const unsigned char *b, const tlv_t *t, int depth, int max_depth,
                      long long *dst, Py_ssize_t *n)
{
    if (t->tag == 0x04) {
        if (dst) {
            dst[2 * *n] = (long long)t->body;
            dst[2 * *n + 1] = (long long)t->end;
        }
        (*n)++;
        return 0;
    }
    if (t->tag != 0x24 || depth >= max_depth) return BAIL;
    Py_ssize_t pos = t->body;
    while (pos < t->end) {
        tlv_t c;
        if (rdx(b, pos, t->end, &c, 0)) return BAIL;
        if (spans_walk(b, &c, depth + 1, max_depth, dst, n)) return BAIL;
        pos = c.next;
    }
    return 0;
}

/* The pieces of an OCTET STRING as bytes of native 64-bit (body, end) pairs (what
 * fastcms.Pieces reads); NULL with *bail set when the reference must read it, NULL alone
 * on a memory error. The content itself is not copied. */
static PyObject *spans_of(const unsigned char *b, const tlv_t *t, int max_depth, int *bail)
{
    Py_ssize_t n = 0;
    if (spans_walk(b, t, 0, max_depth, NULL, &n)) { *bail = 1; return NULL; }
    if (n > PY_SSIZE_T_MAX / (Py_ssize_t)(2 * sizeof(long long))) return PyErr_NoMemory();
    PyObject *out = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)(2 * sizeof(long long)));
    if (!out) return NULL;
    Py_ssize_t done = 0;
    if (spans_walk(b, t, 0, max_depth, (long long *)PyBytes_AS_STRING(out), &done) ||
            done != n) {
        Py_DECREF(out);  /* cannot happen: the same walk over the same bytes */
        *bail = 1;
        return NULL;
    }
    return out;
}

/* octet_spans(buf, start, limit, max_depth): spans_of the OCTET STRING read (BER) at
 * buf[start:limit], or None (not an OCTET STRING, broken, nested too deep). */
static PyObject *octet_spans(PyObject *self, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t start, limit;
    int max_depth, bail = 0;
    if (!PyArg_ParseTuple(args, "y*nni", &view, &start, &limit, &max_depth)) return NULL;
    PyObject *res = NULL;
    tlv_t t;
    if (start < 0 || limit > view.len || start > limit ||
            rdx(view.buf, start, limit, &t, 0)) {
        bail = 1;
    } else {
        res = spans_of(view.buf, &t, max_depth, &bail);
    }
    PyBuffer_Release(&view);
    if (res == NULL && bail && !PyErr_Occurred()) Py_RETURN_NONE;
    return res;
}

/* gather(buf, spans, cum, lo, hi): bytes lo..hi of the join of the pieces (fastcms.Pieces:
 * spans are native int64 (start, end) pairs into buf, cum[k] the offset of piece k in the
 * join and cum[n] its length), copied in one pass. Every piece it touches is checked
 * against buf and cum (ValueError), so inconsistent arrays never read out of bounds. */
static PyObject *gather(PyObject *self, PyObject *args)
{
    Py_buffer buf, sp, cm;
    Py_ssize_t lo, hi;
    if (!PyArg_ParseTuple(args, "y*y*y*nn", &buf, &sp, &cm, &lo, &hi)) return NULL;
    PyObject *out = NULL;
    const long long *spans = sp.buf, *cum = cm.buf;
    Py_ssize_t n = sp.len / (Py_ssize_t)(2 * sizeof(long long));
    /* (an empty array's buffer is a static byte of no alignment: never read) */
    if ((sp.len && (uintptr_t)sp.buf % sizeof(long long)) ||
            (cm.len && (uintptr_t)cm.buf % sizeof(long long)) ||
            sp.len != n * (Py_ssize_t)(2 * sizeof(long long)) ||
            cm.len != (n + 1) * (Py_ssize_t)sizeof(long long) || lo < 0 || hi < lo ||
            hi > cum[n]) {
        PyErr_SetString(PyExc_ValueError, "gather: inconsistent pieces");
        goto done;
    }
    out = PyBytes_FromStringAndSize(NULL, hi - lo);
    if (!out || hi == lo) goto done;
    /* the last piece k with cum[k] <= lo (bisect_right - 1): it holds lo */
    Py_ssize_t a = 0, z = n;
    while (a < z) {
        Py_ssize_t mid = a + (z - a) / 2;
        if (cum[mid] <= lo) a = mid + 1; else z = mid;
    }
    Py_ssize_t k = a - 1, pos = lo;
    char *dst = PyBytes_AS_STRING(out);
    while (pos < hi) {
        /* every value compared before it is subtracted: arbitrary int64 arrays never
         * overflow (a wrapped cum[k + 1] - cum[k] could match a backwards span) */
        if (k < 0 || k >= n || spans[2 * k] < 0 || spans[2 * k + 1] < spans[2 * k] ||
                spans[2 * k + 1] > buf.len || cum[k] < 0 || cum[k] > pos ||
                cum[k + 1] < cum[k] ||
                spans[2 * k + 1] - spans[2 * k] != cum[k + 1] - cum[k]) {
            PyErr_SetString(PyExc_ValueError, "gather: inconsistent pieces");
            Py_CLEAR(out);
            goto done;
        }
        Py_ssize_t upto = cum[k + 1] < hi ? (Py_ssize_t)cum[k + 1] : hi;
        if (upto > pos) {
            memcpy(dst + (pos - lo), (const char *)buf.buf + spans[2 * k] + (pos - cum[k]),
                   (size_t)(upto - pos));
            pos = upto;
        }
        k++;
    }
done:
    PyBuffer_Release(&buf);
    PyBuffer_Release(&sp);
    PyBuffer_Release(&cm);
    return out;
}

static PyObject *slice(const unsigned char *b, Py_ssize_t from, Py_ssize_t to)
{
    return PyBytes_FromStringAndSize((const char *)b + from, to - from);
}

static PyObject *body_of(const unsigned char *b, const tlv_t *t)
{
    return slice(b, t->body, t->end);
}

/* fastcms.Tlv, registered by fastcms at import (set_tlv_type); NULL: plain tuples. */
static PyTypeObject *tlv_type = NULL;

static PyObject *tlv_tuple(const tlv_t *t)
{
    /* fastcms.Tlv(tag, start, body, end, next, indefinite=False) (definite length: next ==
     * end). Built as tuple.__new__(Tlv, items), which is what the namedtuple's own __new__
     * does, without a Python-level call per value. */
    PyObject *res = tlv_type ? tlv_type->tp_alloc(tlv_type, 6) : PyTuple_New(6);
    if (!res) return NULL;
    /* The instance is filled in place, as tuple.__new__(Tlv, items) fills it (a namedtuple
     * is a plain tuple subclass: no other state), without building the items tuple. */
    PyObject *v[5] = {PyLong_FromLong(t->tag), PyLong_FromSsize_t(t->start),
                      PyLong_FromSsize_t(t->body), PyLong_FromSsize_t(t->end),
                      PyLong_FromSsize_t(t->end)};
    for (int k = 0; k < 5; k++) {
        if (!v[k]) {
            for (int j = 0; j < 5; j++) Py_XDECREF(v[j]);
            Py_DECREF(res);
            return NULL;
        }
        PyTuple_SET_ITEM(res, k, v[k]);
    }
    Py_INCREF(Py_False);
    PyTuple_SET_ITEM(res, 5, Py_False);
    return res;
}

static PyObject *set_tlv_type(PyObject *self, PyObject *arg)
{
    if (!PyType_Check(arg) || !PyType_IsSubtype((PyTypeObject *)arg, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "a tuple subclass is required");
        return NULL;
    }
    Py_INCREF(arg);
    Py_XSETREF(tlv_type, (PyTypeObject *)arg);
    Py_RETURN_NONE;
}

static const unsigned char OID_SIGNED_DATA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02};
static const unsigned char OID_DATA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01};

static int oid_is(const unsigned char *b, const tlv_t *t, const unsigned char *oid, Py_ssize_t n)
{
    return t->tag == 0x06 && t->end - t->body == n && memcmp(b + t->body, oid, (size_t)n) == 0;
}

#define MAX_ATTRS 100
#define MAX_VALUES 10

/* fastcms._attributes: {oid bytes: [Tlv, ...]} or NULL with *bail set. */
static PyObject *attributes(const unsigned char *b, const tlv_t *t, int *bail)
{
    tlv_t as[MAX_ATTRS], parts[2], vals[MAX_VALUES];
    int n = kids(b, t, as, MAX_ATTRS);
    if (n == BAIL) { *bail = 1; return NULL; }
    PyObject *out = PyDict_New();
    if (!out) return NULL;
    for (int k = 0; k < n; k++) {
        if (as[k].tag != 0x30 || kids(b, &as[k], parts, 2) != 2 || parts[0].tag != 0x06
                || parts[1].tag != 0x31) {
            *bail = 1; Py_DECREF(out); return NULL;
        }
        /* duplicate attribute types: the reference refuses them */
        for (int j = 0; j < k; j++) {
            tlv_t other[2];
            kids(b, &as[j], other, 2);
            if (other[0].end - other[0].body == parts[0].end - parts[0].body &&
                    memcmp(b + other[0].body, b + parts[0].body,
                           (size_t)(parts[0].end - parts[0].body)) == 0) {
                *bail = 1; Py_DECREF(out); return NULL;
            }
        }
        int nv = kids(b, &parts[1], vals, MAX_VALUES);
        if (nv == BAIL) { *bail = 1; Py_DECREF(out); return NULL; }
        PyObject *vl = PyList_New(nv);
        if (!vl) { Py_DECREF(out); return NULL; }
        for (int v = 0; v < nv; v++) {
            PyObject *tt = tlv_tuple(&vals[v]);
            if (!tt) { Py_DECREF(vl); Py_DECREF(out); return NULL; }
            PyList_SET_ITEM(vl, v, tt);
        }
        PyObject *key = body_of(b, &parts[0]);
        if (!key || PyDict_SetItem(out, key, vl)) {
            Py_XDECREF(key); Py_DECREF(vl); Py_DECREF(out); return NULL;
        }
        Py_DECREF(key);
        Py_DECREF(vl);
    }
    return out;
}

#define MAX_CERTS 50

static PyObject *signed_data(PyObject *self, PyObject *args)
{
    Py_buffer view;
    int allow_zeros, spans = 0;
    if (!PyArg_ParseTuple(args, "y*p|p", &view, &allow_zeros, &spans)) return NULL;
    const unsigned char *b = view.buf;
    Py_ssize_t len = view.len;
    PyObject *res = NULL;
    PyObject *content = NULL, *certs = NULL, *issuer = NULL, *serial = NULL, *ski = NULL;
    PyObject *sattrs_set = NULL, *attrs = NULL, *params = NULL, *unsigned_ = NULL;
    int bail = 0;
    tlv_t top, ci[4], inner[1], sd[8], eci[2], wrapped[1], certv[MAX_CERTS], sis[2], si[8];
    tlv_t ias[2], dalg[2], salg[2];

#define NOPE do { bail = 1; goto done; } while (0)
    if (len < 2 || b[0] != 0x30) NOPE;
    if (rdx(b, 0, len, &top, 0)) NOPE;
    for (Py_ssize_t p = top.next; p < len; p++) {
        if (!allow_zeros || b[p] != 0) NOPE;
    }
    if (kidsb(b, &top, ci, 4) != 2 || !oid_is(b, &ci[0], OID_SIGNED_DATA, 9)) NOPE;
    if (ci[1].tag != 0xA0 || kidsb(b, &ci[1], inner, 1) != 1 || inner[0].tag != 0x30) NOPE;
    int nsd = kidsb(b, &inner[0], sd, 8);
    if (nsd < 4 || sd[0].tag != 0x02 || sd[1].tag != 0x31 || sd[2].tag != 0x30) NOPE;
    int neci = kidsb(b, &sd[2], eci, 2);
    if (neci < 1 || eci[0].tag != 0x06) NOPE;
    if (neci == 2) {
        if (eci[1].tag != 0xA0 || kidsb(b, &eci[1], wrapped, 1) != 1 ||
                (wrapped[0].tag != 0x04 && wrapped[0].tag != 0x24))
            NOPE;
    }
    /* As the reference: every [0] is read (the last one gives the certificates), [1] is
     * skipped, the last SET is the signerInfos, other tags are ignored. */
    int have_si = 0, ncerts = 0;
    tlv_t si_set = {0, 0, 0, 0};
    for (int k = 3; k < nsd; k++) {
        if (sd[k].tag == 0xA0) {
            ncerts = kidsb(b, &sd[k], certv, MAX_CERTS);
            if (ncerts == BAIL) NOPE;
            /* the reference wants certificates in DER */
            for (int c = 0; c < ncerts; c++) if (certv[c].indef) NOPE;
        } else if (sd[k].tag == 0x31) {
            si_set = sd[k];
            have_si = 1;
        }
    }
    if (!have_si) NOPE;
    if (kidsb(b, &si_set, sis, 2) != 1 || sis[0].tag != 0x30) NOPE;
    int nsi = kidsb(b, &sis[0], si, 8);
    if (nsi < 5) NOPE;
    if (si[1].tag == 0x30) {
        if (kidsb(b, &si[1], ias, 2) != 2 || ias[0].tag != 0x30 || ias[0].indef ||
                ias[1].tag != 0x02)
            NOPE;
    } else if (si[1].tag != 0x80) {
        NOPE;
    }
    if (si[2].tag != 0x30 || kidsb(b, &si[2], dalg, 2) < 1 || dalg[0].tag != 0x06) NOPE;
    int idx = 3, has_sattrs = 0;
    if (si[idx].tag == 0xA0) {
        if (si[idx].indef) NOPE; /* signed attributes must be DER */
        has_sattrs = 1;
        idx++;
    }
    if (idx + 1 >= nsi) NOPE;
    int nsalg = (si[idx].tag == 0x30) ? kidsb(b, &si[idx], salg, 2) : BAIL;
    if (nsalg < 1 || salg[0].tag != 0x06 || (nsalg > 1 && salg[1].indef)) NOPE;
    if (si[idx + 1].tag != 0x04) NOPE;
    int has_unsigned = idx + 2 < nsi && si[idx + 2].tag == 0xA1;
    if (neci < 2 && oid_is(b, &eci[0], OID_DATA, 9)) NOPE; /* detached: reference says so */

    /* Everything checked: build the values. */
    if (neci == 2) {
        /* spans: where the content lies (spans_of), not a copy of it */
        content = spans ? spans_of(b, &wrapped[0], MAX_INDEFINITE_DEPTH, &bail)
                        : octets_of(b, &wrapped[0], &bail);
        if (!content) goto done;
    }
    else { content = Py_None; Py_INCREF(content); }
    certs = PyList_New(0);
    if (!certs) goto done;
    for (int k = 0; k < ncerts; k++) {
        if (certv[k].tag != 0x30) continue;
        PyObject *c = slice(b, certv[k].start, certv[k].end);
        if (!c || PyList_Append(certs, c)) { Py_XDECREF(c); goto done; }
        Py_DECREF(c);
    }
    if (si[1].tag == 0x30) {
        issuer = slice(b, ias[0].start, ias[0].end);
        serial = body_of(b, &ias[1]);
        ski = Py_None; Py_INCREF(ski);
    } else {
        issuer = Py_None; Py_INCREF(issuer);
        serial = Py_None; Py_INCREF(serial);
        ski = body_of(b, &si[1]);
    }
    if (!issuer || !serial || !ski) goto done;
    if (has_sattrs) {
        const tlv_t *a = &si[3];
        sattrs_set = PyBytes_FromStringAndSize(NULL, a->end - a->start);
        if (!sattrs_set) goto done;
        char *dst = PyBytes_AS_STRING(sattrs_set);
        dst[0] = 0x31;
        memcpy(dst + 1, b + a->start + 1, (size_t)(a->end - a->start - 1));
        attrs = attributes(b, a, &bail);
        if (!attrs) goto done;
    } else {
        sattrs_set = Py_None; Py_INCREF(sattrs_set);
        attrs = PyDict_New();
        if (!attrs) goto done;
    }
    if (nsalg > 1 && salg[1].tag != 0x05) params = slice(b, salg[1].start, salg[1].end);
    else { params = Py_None; Py_INCREF(params); }
    if (!params) goto done;
    if (has_unsigned) {
        unsigned_ = attributes(b, &si[idx + 2], &bail);
        if (!unsigned_) goto done;
    } else {
        unsigned_ = PyDict_New();
        if (!unsigned_) goto done;
    }
    res = Py_BuildValue("(NOOOOONOONONO)",
                        body_of(b, &eci[0]), content, certs, issuer, serial, ski,
                        body_of(b, &dalg[0]), sattrs_set, attrs,
                        body_of(b, &salg[0]), params, body_of(b, &si[idx + 1]), unsigned_);
    /* "N" steals the fresh slices made inline; "O" took its own reference of the others,
     * which are released below. */
#undef NOPE
done:
    Py_XDECREF(content); Py_XDECREF(certs); Py_XDECREF(issuer); Py_XDECREF(serial);
    Py_XDECREF(ski); Py_XDECREF(sattrs_set); Py_XDECREF(attrs); Py_XDECREF(params);
    Py_XDECREF(unsigned_);
    PyBuffer_Release(&view);
    if (res == NULL && bail && !PyErr_Occurred()) Py_RETURN_NONE;
    return res;
}

/* der.scan's walk (parse_zfo's pre-scan): the root's encoded length if der.scan(buf,
 * max_depth=, max_nodes=, allow_trailing_zeros=) returns it, else None (der.scan then raises
 * its own error). Unlike the readers above this follows der.scan to the letter, BER
 * included (indefinite lengths, end-of-contents, high tag numbers, 8-byte lengths): a None
 * here must mean exactly "der.scan raises", since parse_zfo's fast path skips der.scan. */
static PyObject *scan(PyObject *self, PyObject *args)
{
    Py_buffer view;
    int allow_zeros;
    Py_ssize_t max_depth, max_nodes;
    if (!PyArg_ParseTuple(args, "y*pnn", &view, &allow_zeros, &max_depth, &max_nodes))
        return NULL;
    const unsigned char *b = view.buf;
    Py_ssize_t total = view.len;
    /* ends[] of the open constructed values; -1 for an indefinite length */
    Py_ssize_t *ends = NULL;
    Py_ssize_t depth = 0, pos = 0, nodes = 0, root_end = -1;
    int ok = 0;
    if (total < 2 || b[0] != 0x30 || max_depth < 0) goto out;
    /* Every open value has a header of two bytes or more before pos: at most total / 2
     * are open at once, whatever max_depth says (no allocation sized by the caller). */
    ends = PyMem_New(Py_ssize_t, (max_depth < total / 2 ? max_depth : total / 2) + 1);
    if (!ends) { PyBuffer_Release(&view); return PyErr_NoMemory(); }
    for (;;) {
        Py_ssize_t parent_end = depth ? ends[depth - 1] : -1;
        Py_ssize_t bound = parent_end >= 0 ? parent_end : total;
        if (depth && parent_end >= 0 && pos == parent_end) {
            if (--depth == 0) { root_end = pos; break; }
            continue;
        }
        if (pos >= bound) goto out; /* overrun or unterminated */
        if (depth && parent_end < 0 && b[pos] == 0 && pos + 1 < bound && b[pos + 1] == 0) {
            pos += 2; /* end-of-contents */
            if (--depth == 0) { root_end = pos; break; }
            continue;
        }
        /* der._header(view, pos, bound) */
        if (pos + 2 > bound) goto out;
        int first = b[pos];
        Py_ssize_t i = pos + 1;
        if ((first & 0x1F) == 0x1F) {
            int k = 0, closed = 0;
            for (; k < 5; k++) {
                if (i >= bound) goto out;
                int c = b[i++];
                if (!(c & 0x80)) { closed = 1; break; }
            }
            if (!closed) goto out;
        }
        if (i >= bound) goto out;
        int lb = b[i++];
        int indefinite = 0;
        unsigned long long length = 0;
        if (lb < 0x80) {
            length = (unsigned long long)lb;
        } else if (lb == 0x80) {
            indefinite = 1;
            if (!(first & 0x20)) goto out;
        } else {
            int n = lb & 0x7F;
            if (n > 8 || i + n > bound) goto out;
            for (int k = 0; k < n; k++) length = (length << 8) | b[i + k];
            i += n;
        }
        if (++nodes > max_nodes) goto out;
        Py_ssize_t body = i;
        if (!indefinite && length > (unsigned long long)(bound - body)) goto out;
        if (first & 0x20) {
            if (depth >= max_depth) goto out;
            ends[depth++] = indefinite ? -1 : body + (Py_ssize_t)length;
            pos = body;
            if (!indefinite && length == 0) {
                if (--depth == 0) { root_end = pos; break; }
            }
        } else {
            pos = body + (Py_ssize_t)length;
            if (depth == 0) { root_end = pos; break; }
        }
    }
    for (Py_ssize_t p = root_end; p < total; p++) {
        if (!allow_zeros || b[p] != 0) goto out;
    }
    ok = 1;
out:
    PyMem_Free(ends);
    PyBuffer_Release(&view);
    if (!ok) Py_RETURN_NONE;
    return PyLong_FromSsize_t(root_end);
}

/* parse_zfo's fast path: whether ContentInfo(SignedData) has exactly the layout that
 * asn1crypto (the reference parse) reads as signed_data above does: after
 * encapContentInfo only [0] certificates?, [1] crls?, then one SET of signerInfos and
 * nothing else; every certificate a SEQUENCE; one SignerInfo whose signature is followed
 * by at most a constructed [1] (unsigned attributes) and nothing else. BER (indefinite
 * lengths) is read as signed_data reads it. Returns (the SignedData's version (asn1crypto
 * reads the eContent of a v1 as PKCS#7 would), ((start, end), ...) of the definite [1]
 * entries among the certificates (attribute certificates, seen in real ISDS timestamp
 * tokens: the caller has asn1crypto validate them as the reference does)), or None for any
 * other layout or a version of more than four bytes. */
static PyObject *cms_layout(PyObject *self, PyObject *args)
{
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view)) return NULL;
    const unsigned char *b = view.buf;
    Py_ssize_t len = view.len;
    tlv_t top, ci[2], inner[1], sd[8], certv[MAX_CERTS], sis[1], si[7];
    int ok = 0, nattr = 0;
    long version = 0;
    Py_ssize_t attr_at[MAX_CERTS][2];
    if (rdx(b, 0, len, &top, 0) || top.tag != 0x30) goto out;
    if (kidsb(b, &top, ci, 2) != 2 || ci[1].tag != 0xA0) goto out;
    if (kidsb(b, &ci[1], inner, 1) != 1 || inner[0].tag != 0x30) goto out;
    int nsd = kidsb(b, &inner[0], sd, 8);
    if (nsd < 4) goto out;
    /* The eContent: asn1crypto reads a constructed OCTET STRING only with an indefinite
     * length; its chunks are taken here only as primitive OCTET STRINGs (the form ISDS
     * writes; nested chunks are left to the reference). */
    tlv_t eci[2], wrapped[1];
    if (sd[2].tag != 0x30) goto out;
    int neci = kidsb(b, &sd[2], eci, 2);
    if (neci == 2 && eci[1].tag == 0xA0 && kidsb(b, &eci[1], wrapped, 1) == 1 &&
            wrapped[0].tag == 0x24) {
        if (!wrapped[0].indef) goto out;
        Py_ssize_t p = wrapped[0].body;
        while (p < wrapped[0].end) {
            tlv_t c;
            if (rd(b, p, wrapped[0].end, &c) || c.tag != 0x04) goto out;
            p = c.next;
        }
    }
    int k = 3;
    if (sd[k].tag == 0xA0) {
        int nc = kidsb(b, &sd[k], certv, MAX_CERTS);
        if (nc == BAIL) goto out;
        for (int c = 0; c < nc; c++) {
            /* (an indefinite one: signed_data, which runs first, has declined) */
            if (certv[c].tag == 0xA1) {
                attr_at[nattr][0] = certv[c].start;
                attr_at[nattr][1] = certv[c].end;
                nattr++;
            } else if (certv[c].tag != 0x30) {
                goto out;
            }
        }
        k++;
    }
    if (k < nsd && sd[k].tag == 0xA1) k++;
    if (k != nsd - 1 || sd[k].tag != 0x31) goto out;
    if (kidsb(b, &sd[k], sis, 1) != 1 || sis[0].tag != 0x30) goto out;
    int nsi = kidsb(b, &sis[0], si, 7);
    if (nsi < 5) goto out;
    /* asn1crypto refuses some indefinite lengths inside the SignerInfo (an indefinite sid),
     * and CRLs are not read here: both left to the reference. */
    for (int c = 3; c < k; c++) if (sd[c].tag != 0xA0 && sd[c].indef) goto out;
    for (int c = 0; c < nsi; c++) if (si[c].indef) goto out;
    int idx = si[3].tag == 0xA0 ? 4 : 3;
    if (!(nsi == idx + 2 || (nsi == idx + 3 && si[idx + 2].tag == 0xA1))) goto out;
    if (sd[0].tag != 0x02 || sd[0].end - sd[0].body > 4) goto out;
    for (Py_ssize_t p = sd[0].body; p < sd[0].end; p++) {
        /* two's complement, as asn1crypto's Integer reads it */
        version = p == sd[0].body ? (long)(signed char)b[p] : version * 256 + b[p];
    }
    ok = 1;
out:
    PyBuffer_Release(&view);
    if (!ok) Py_RETURN_NONE;
    PyObject *at = PyTuple_New(nattr);
    if (!at) return NULL;
    for (int c = 0; c < nattr; c++) {
        PyObject *pair = Py_BuildValue("(nn)", attr_at[c][0], attr_at[c][1]);
        if (!pair) { Py_DECREF(at); return NULL; }
        PyTuple_SET_ITEM(at, c, pair);
    }
    return Py_BuildValue("(lN)", version, at);
}

/* fastcms.tst_info: (hash OID, imprint, serial bytes, genTime bytes) or None. */
static PyObject *tst_info(PyObject *self, PyObject *args)
{
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view)) return NULL;
    const unsigned char *b = view.buf;
    Py_ssize_t len = view.len;
    PyObject *res = NULL;
    tlv_t top, f[12], mi[2], alg[2];
    int nf;
    if (rd(b, 0, len, &top) || top.end != len || top.tag != 0x30) goto bail;
    nf = kids(b, &top, f, 12);
    if (nf < 5 || f[2].tag != 0x30 || kids(b, &f[2], mi, 2) != 2) goto bail;
    if (mi[0].tag != 0x30 || kids(b, &mi[0], alg, 2) < 1 || alg[0].tag != 0x06) goto bail;
    if (f[3].tag != 0x02 || mi[1].tag != 0x04 || f[4].tag != 0x18) goto bail;
    res = Py_BuildValue("(y#y#y#y#)",
                        b + alg[0].body, alg[0].end - alg[0].body,
                        b + mi[1].body, mi[1].end - mi[1].body,
                        b + f[3].body, f[3].end - f[3].body,
                        b + f[4].body, f[4].end - f[4].body);
    PyBuffer_Release(&view);
    return res;
bail:
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

/* fastcms.encapsulated: the eContent of a SignedData of the given type, or None. */
static PyObject *encapsulated(PyObject *self, PyObject *args)
{
    Py_buffer view, ctype;
    if (!PyArg_ParseTuple(args, "y*y*", &view, &ctype)) return NULL;
    const unsigned char *b = view.buf;
    Py_ssize_t len = view.len;
    PyObject *res = NULL;
    tlv_t top, ci[4], inner[1], fld[3], eci[2], wrapped[1];
    if (rd(b, 0, len, &top) || top.tag != 0x30) goto bail;
    for (Py_ssize_t p = top.end; p < len; p++)
        if (b[p] != 0) goto bail;
    if (kids(b, &top, ci, 4) != 2 || !oid_is(b, &ci[0], OID_SIGNED_DATA, 9)) goto bail;
    if (ci[1].tag != 0xA0 || kids(b, &ci[1], inner, 1) != 1 || inner[0].tag != 0x30) goto bail;
    /* version, digestAlgorithms, encapContentInfo: read in turn, only the last one's tag
     * matters (as in the reference) */
    Py_ssize_t p = inner[0].body;
    for (int k = 0; k < 3; k++) {
        if (rd(b, p, inner[0].end, &fld[k])) goto bail;
        p = fld[k].end;
    }
    if (fld[2].tag != 0x30 || kids(b, &fld[2], eci, 2) != 2) goto bail;
    if (!oid_is(b, &eci[0], ctype.buf, ctype.len)) goto bail;
    if (eci[1].tag != 0xA0 || kids(b, &eci[1], wrapped, 1) != 1 || wrapped[0].tag != 0x04)
        goto bail;
    res = body_of(b, &wrapped[0]);
    PyBuffer_Release(&ctype);
    PyBuffer_Release(&view);
    return res;
bail:
    PyBuffer_Release(&ctype);
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

/* cmscheck._ess_cert_hash over the signingCertificate(V2) value in buf[start:end]:
 * (0,) for "no ESSCertID" (the reference returns None), (1, hash OID or None, hash) for the
 * first ESSCertID(v2), or None for "use the reference". */
static PyObject *ess_cert_id(PyObject *self, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t start, end;
    int v2;
    if (!PyArg_ParseTuple(args, "y*nnp", &view, &start, &end, &v2)) return NULL;
    const unsigned char *b = view.buf;
    PyObject *res = NULL;
    tlv_t t, seqs[4], ids[100], parts[3], alg[2];
    int nseqs, nids, nparts, first = 0;
    if (start < 0 || end > view.len || start > end) goto bail;
    if (rd(b, start, end, &t) || t.end != end || t.tag != 0x30) goto bail;
    nseqs = kids(b, &t, seqs, 4);
    if (nseqs == BAIL) goto bail;
    if (nseqs == 0) { res = Py_BuildValue("(i)", 0); goto out; }
    if (seqs[0].tag != 0x30) goto bail;
    nids = kids(b, &seqs[0], ids, 100);
    if (nids == BAIL) goto bail;
    if (nids == 0) { res = Py_BuildValue("(i)", 0); goto out; }
    if (ids[0].tag != 0x30) goto bail;
    nparts = kids(b, &ids[0], parts, 3);
    if (nparts == BAIL) goto bail;
    if (v2 && nparts > 0 && parts[0].tag == 0x30) {
        if (kids(b, &parts[0], alg, 2) < 1 || alg[0].tag != 0x06) goto bail;
        first = 1;
    }
    if (first >= nparts || parts[first].tag != 0x04) goto bail;
    if (first)
        res = Py_BuildValue("(iy#y#)", 1, b + alg[0].body, alg[0].end - alg[0].body,
                            b + parts[first].body, parts[first].end - parts[first].body);
    else
        res = Py_BuildValue("(iOy#)", 1, Py_None, b + parts[0].body,
                            parts[0].end - parts[0].body);
out:
    PyBuffer_Release(&view);
    return res;
bail:
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

static int digits(const unsigned char *s, Py_ssize_t n)
{
    for (Py_ssize_t k = 0; k < n; k++)
        if (s[k] < '0' || s[k] > '9') return 0;
    return 1;
}

static int num(const unsigned char *s, int n)
{
    int v = 0;
    for (int k = 0; k < n; k++) v = v * 10 + (s[k] - '0');
    return v;
}

/* fastcms.parse_time: an aware UTC datetime from a UTCTime (0x17) or GeneralizedTime (0x18)
 * value in buf[body:end], or None for anything the reference would refuse (it raises the
 * error) or that is not one of the two shapes it accepts. */
static PyObject *der_time(PyObject *self, PyObject *args)
{
    Py_buffer view;
    int tag;
    Py_ssize_t body, end;
    if (!PyArg_ParseTuple(args, "y*inn", &view, &tag, &body, &end)) return NULL;
    const unsigned char *s = (const unsigned char *)view.buf + body;
    Py_ssize_t n = end - body;
    int y, mo, d, h, mi, sec, us = 0;
    PyObject *res = NULL;
    if (body < 0 || end > view.len || n < 0) goto none;
    if (tag == 0x17) {
        if (n != 13 || s[12] != 'Z' || !digits(s, 12)) goto none;
        y = num(s, 2);
        y += y >= 50 ? 1900 : 2000;
        s += 2;
    } else if (tag == 0x18) {
        /* YYYYMMDDHHMMSS[.fraction]Z: the reference splits at the first "." */
        if (n < 15 || s[n - 1] != 'Z' || !digits(s, 14)) goto none;
        if (n > 15) {
            Py_ssize_t fl = n - 16; /* digits after the "." */
            if (s[14] != '.' || !digits(s + 15, fl)) goto none;
            for (int k = 0; k < 6; k++) us = us * 10 + (k < fl ? s[15 + k] - '0' : 0);
        }
        y = num(s, 4);
        s += 4;
    } else {
        goto none;
    }
    mo = num(s, 2); d = num(s + 2, 2); h = num(s + 4, 2); mi = num(s + 6, 2);
    sec = num(s + 8, 2);
    res = PyDateTimeAPI->DateTime_FromDateAndTime(y, mo, d, h, mi, sec, us,
                                                  PyDateTime_TimeZone_UTC,
                                                  PyDateTimeAPI->DateTimeType);
    if (res == NULL) {
        /* out of range (month 13, ...): the reference raises its own error */
        if (!PyErr_ExceptionMatches(PyExc_ValueError) &&
                !PyErr_ExceptionMatches(PyExc_OverflowError)) {
            PyBuffer_Release(&view);
            return NULL;
        }
        PyErr_Clear();
        goto none;
    }
    PyBuffer_Release(&view);
    return res;
none:
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}


/* The base64 of dmHash and dmQTimestamp (xml_facts; `_hash_values`' b64decode(validate=True)
 * in the reference) for the common case: base64 text (white space SP, TAB, LF, CR
 * between the characters) whose characters, without the white space, are whole groups of
 * four with "=" padding only at the end. Returns the decoded bytes, or None for anything
 * else (the reference then decides, errors included); NULL only on a memory error. */
static signed char b64_val[256];

static void b64_table(void)
{
    const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    memset(b64_val, -1, sizeof b64_val);
    for (int k = 0; k < 64; k++) b64_val[(unsigned char)alpha[k]] = (signed char)k;
}

static int is_ws(int c);

static PyObject *b64_core(const unsigned char *s, Py_ssize_t n)
{
    /* One pass (decoding while checking; dmQTimestamp's ~2.4 KB of base64 took longer to
     * decode in two passes than to hash): whole groups of four alphabet characters are
     * decoded at once, anything else (white space, "=", a group split by white space, an
     * invalid byte) one character at a time. The output is at most 3 bytes per 4 input
     * bytes; it is shrunk to what was written. */
    Py_ssize_t chars = 0, pads = 0, k = 0, w = 0;
    unsigned long acc = 0;
    int got = 0;
    PyObject *out = PyBytes_FromStringAndSize(NULL, n / 4 * 3 + 3);
    if (!out) return NULL;
    unsigned char *o = (unsigned char *)PyBytes_AS_STRING(out);
    while (k < n) {
        if (got == 0 && pads == 0) {
            while (n - k >= 4) {
                int a = b64_val[s[k]], b = b64_val[s[k + 1]], c = b64_val[s[k + 2]],
                    d = b64_val[s[k + 3]];
                if ((a | b | c | d) < 0) break;
                o[w] = (unsigned char)((a << 2) | (b >> 4));
                o[w + 1] = (unsigned char)((b << 4) | (c >> 2));
                o[w + 2] = (unsigned char)((c << 6) | d);
                w += 3; k += 4; chars += 4;
            }
            if (k >= n) break;
        }
        int c = s[k++];
        if (is_ws(c)) continue;
        if (c == '=') { pads++; chars++; continue; }
        if (b64_val[c] < 0 || pads) goto none;   /* not base64, or data after "=" */
        chars++;
        acc = (acc << 6) | (unsigned long)b64_val[c];
        if (++got == 4) {
            o[w++] = (unsigned char)(acc >> 16); o[w++] = (unsigned char)(acc >> 8);
            o[w++] = (unsigned char)acc;
            acc = 0; got = 0;
        }
    }
    if (chars == 0 || chars % 4 || pads > 2) goto none;
    /* the last group: 2 or 3 characters before the padding (leftover bits are ignored,
     * as binascii.a2b_base64 ignores them) */
    if (got == 2) o[w++] = (unsigned char)(acc >> 4);
    else if (got == 3) { o[w++] = (unsigned char)(acc >> 10); o[w++] = (unsigned char)(acc >> 2); }
    if (w != chars / 4 * 3 - pads) goto none;   /* cannot happen: guard */
    if (_PyBytes_Resize(&out, w) < 0) return NULL;
    return out;
none:
    Py_DECREF(out);
    Py_RETURN_NONE;
}

static PyObject *b64(PyObject *self, PyObject *args)
{
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view)) return NULL;
    PyObject *res = b64_core(view.buf, view.len);
    PyBuffer_Release(&view);
    return res;
}

/* ---------------------------------------------------------------- xml_facts
 * Fast path of xmlcontent.verify_facts: one pass over the ISDS document that decides
 * well-formedness for a strict subset of XML 1.0 with namespaces and picks out what a
 * verdict needs. Contract (tested differentially against the lxml reference): when this
 * returns a tuple, lxml parses the document without error and the tuple holds exactly what
 * the reference reads from its tree. Anything outside the subset, and every error, gives
 * None and the caller runs the reference (which raises the error, with its message).
 *
 * The subset: UTF-8 without BOM; an optional XML declaration (version 1.0, encoding UTF-8,
 * standalone) at the very start; no DOCTYPE, comment, processing instruction or CDATA; ASCII
 * names with at most one colon; references only to the five predefined entities and to
 * valid characters; every character a valid XML Char (strict UTF-8, no surrogates, no
 * U+FFFE/U+FFFF); declared namespace prefixes only (never "xml"/"xmlns", never empty);
 * at most XML_MAX_DEPTH levels. */

#define XML_MAX_DEPTH 200   /* xmlcontent.MAX_XML_DEPTH: deeper goes to the reference */
#define XML_MAX_NS 64       /* namespace declarations in scope */
#define XML_MAX_ATTRS 32    /* attributes of one element */

static const char NS_MSG[] = "http://isds.czechpoint.cz/v20/message";
static const char NS_SENT[] = "http://isds.czechpoint.cz/v20/SentMessage";
static const char NS_DELIV[] = "http://isds.czechpoint.cz/v20/delivery";
static const char NS_DM[] = "http://isds.czechpoint.cz/v20";
static const char NS_XSI[] = "http://www.w3.org/2001/XMLSchema-instance";

/* Byte classes in character data: 0 plain ASCII, 1 needs a look ('<', '&', ']', >= 0x80,
 * control characters other than TAB, LF, CR). */
static unsigned char text_cls[256];
/* ... in attribute values: also the quotes. */
static unsigned char attr_cls[256];
/* ASCII name characters: 1 start and later, 2 later only. */
static unsigned char name_cls[256];

static void xml_tables(void)
{
    for (int c = 0; c < 256; c++) {
        int special = c >= 0x80 || (c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D) ||
                      c == '<' || c == '&';
        text_cls[c] = (unsigned char)(special || c == ']');
        attr_cls[c] = (unsigned char)(special || c == '"' || c == '\'');
        name_cls[c] = (unsigned char)((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'
                                      ? 1 : (c >= '0' && c <= '9') || c == '.' || c == '-' ? 2 : 0);
    }
}

/* The first position from p on whose byte needs a look in character data (text_cls), or
 * end. Attachments are long base64 runs: with SSE2, 16 bytes are checked at a time (a
 * signed compare with 0x20 catches the control characters and every byte >= 0x80). */
static Py_ssize_t plain_text(const unsigned char *b, Py_ssize_t p, Py_ssize_t end)
{
#ifdef HAVE_SSE2
    const __m128i space = _mm_set1_epi8(0x20), lt = _mm_set1_epi8('<'),
                  amp = _mm_set1_epi8('&'), rsb = _mm_set1_epi8(']');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(b + p));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, lt)),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_cmpeq_epi8(v, rsb)));
        int mask = _mm_movemask_epi8(m);
        if (mask == 0) { p += 16; continue; }
        /* the first flagged byte; TAB/LF/CR are flagged here but plain in text_cls */
        int k = 0;
        while (!(mask & (1 << k))) k++;
        p += k;
        if (text_cls[b[p]]) return p;
        p++;
    }
#endif
    while (p < end && text_cls[b[p]] == 0) p++;
    return p;
}

/* One UTF-8 sequence at b[p] (p < end, b[p] >= 0x80) that encodes an XML Char: its length,
 * or 0 (not strict UTF-8, or not a Char). */
static int utf8_char(const unsigned char *b, Py_ssize_t p, Py_ssize_t end)
{
    unsigned c = b[p];
    unsigned long cp;
    int n;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
    else return 0;
    if (end - p < n) return 0;
    for (int k = 1; k < n; k++) {
        if ((b[p + k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b[p + k] & 0x3F);
    }
    if (n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0xFFFD)) return 0;
    if (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
    return n;
}

static int is_xml_char(unsigned long cp)
{
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* A reference at b[p] == '&': a predefined entity or a character reference to a Char.
 * Returns the position after ';', or BAIL. */
static Py_ssize_t xml_ref(const unsigned char *b, Py_ssize_t p, Py_ssize_t end)
{
    static const char *const ents[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
    p++;
    if (p < end && b[p] == '#') {
        unsigned long cp = 0;
        int hex = 0, digits = 0;
        p++;
        if (p < end && b[p] == 'x') { hex = 1; p++; }
        while (p < end && b[p] != ';') {
            int c = b[p], v;
            if (c >= '0' && c <= '9') v = c - '0';
            else if (hex && c >= 'a' && c <= 'f') v = c - 'a' + 10;
            else if (hex && c >= 'A' && c <= 'F') v = c - 'A' + 10;
            else return BAIL;
            if (++digits > 8) return BAIL;
            cp = cp * (hex ? 16 : 10) + (unsigned long)v;
            p++;
        }
        if (p >= end || !digits || !is_xml_char(cp)) return BAIL;
        return p + 1;
    }
    for (int k = 0; k < 5; k++) {
        size_t n = strlen(ents[k]);
        if ((size_t)(end - p) >= n && memcmp(b + p, ents[k], n) == 0) return p + (Py_ssize_t)n;
    }
    return BAIL;
}

/* A QName at b[p]: ASCII letters, digits, "_", ".", "-" and at most one inner ":".
 * Returns the position after it (BAIL if none); *colon: offset of the ":" or -1. */
static Py_ssize_t xml_name(const unsigned char *b, Py_ssize_t p, Py_ssize_t end,
                           Py_ssize_t *colon)
{
    Py_ssize_t s = p;
    *colon = -1;
    if (p >= end || name_cls[b[p]] != 1) return BAIL;
    p++;
    while (p < end) {
        if (name_cls[b[p]]) { p++; continue; }
        if (b[p] == ':' && *colon < 0 && p + 1 < end && name_cls[b[p + 1]] == 1) {
            *colon = p - s;
            p += 2;
            continue;
        }
        break;
    }
    if (p < end && (b[p] == ':' || b[p] >= 0x80)) return BAIL; /* a second ":" or non-ASCII */
    if (p - s > 1000) return BAIL; /* libxml2 limits names; far beyond any ISDS name */
    return p;
}

static int is_ws(int c) { return c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D; }

typedef struct { Py_ssize_t p, pn, u, un; } nsdecl_t;   /* prefix, URI spans (pn 0: default) */
typedef struct { Py_ssize_t n, nn, colon, v, vn; int plain; } attr_t;
typedef struct { Py_ssize_t n, nn; int nsbase; int role; } elem_t;

enum { R_NONE, R_ROOT, R_OUTER, R_DMDM };

static int span_eq(const unsigned char *b, Py_ssize_t s, Py_ssize_t n, const char *lit)
{
    size_t ln = strlen(lit);
    return (size_t)n == ln && memcmp(b + s, lit, ln) == 0;
}

/* The namespace URI of prefix b[s:s+n] (n 0: the default namespace) in scope, as a span;
 * returns 0 if undeclared (*u = -1 for "no namespace", allowed for the default only). */
static int ns_lookup(const unsigned char *b, const nsdecl_t *ns, int nns, Py_ssize_t s,
                     Py_ssize_t n, Py_ssize_t *u, Py_ssize_t *un)
{
    for (int k = nns - 1; k >= 0; k--) {
        if (ns[k].pn == n && (n == 0 || memcmp(b + ns[k].p, b + s, (size_t)n) == 0)) {
            *u = ns[k].u; *un = ns[k].un;
            return 1;
        }
    }
    *u = -1; *un = 0;
    return n == 0;
}

/* A whole element's text before its first child node: (start, length), -1 for none. */
typedef struct { Py_ssize_t s, n; } span_t;

static PyObject *span_bytes(const unsigned char *b, span_t sp)
{
    if (sp.s < 0) Py_RETURN_NONE;
    return PyBytes_FromStringAndSize((const char *)b + sp.s, sp.n);
}

/* An attribute value or text we return must read the same in lxml as in the bytes:
 * no reference (unescaped by lxml) and no CR or TAB/LF in attributes (normalised). */
static int plain_span(const unsigned char *b, Py_ssize_t s, Py_ssize_t n, int attr)
{
    if (!attr)   /* texts (dmQTimestamp's base64 among them): memchr is vectorised */
        return n <= 0 || (!memchr(b + s, '&', (size_t)n) && !memchr(b + s, '\r', (size_t)n));
    for (Py_ssize_t k = s; k < s + n; k++) {
        int c = b[k];
        if (c == '&' || c == '\r' || (attr && (c == '\t' || c == '\n'))) return 0;
    }
    return 1;
}

/* A namespace name libxml2 surely reads as a URI (it refuses some, e.g. ":x", non-ASCII
 * ones, "http://a:b"): "http://" or "https://" with a host of letters, digits, "." and "-"
 * and a path of those and "/_~", or "urn:" with those and ":"; or empty (a default
 * namespace undeclared). Anything else goes to the reference. */
static int uri_ok(const unsigned char *b, Py_ssize_t s, Py_ssize_t n)
{
    Py_ssize_t k, e = s + n;
    int urn = 0;
    if (n == 0) return 1;
    if (n > 7 && memcmp(b + s, "http://", 7) == 0) k = s + 7;
    else if (n > 8 && memcmp(b + s, "https://", 8) == 0) k = s + 8;
    else if (n > 4 && memcmp(b + s, "urn:", 4) == 0) { k = s + 4; urn = 1; }
    else return 0;
    Py_ssize_t host = k;
    for (; k < e; k++) {
        int c = b[k];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '-')
            continue;
        if (c == '/' && !urn) break;
        if (c == ':' && urn) continue;
        return 0;
    }
    if (k == host) return 0;
    for (; k < e; k++) {
        int c = b[k];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '/' || c == '_' || c == '~'))
            return 0;
    }
    return 1;
}

/* The last p in [lo, hi] with b[p] == ch, or -1 (the search for the last "dmHash" runs
 * back over dmQTimestamp's base64: 16 bytes at a time with SSE2). */
static Py_ssize_t last_byte(const unsigned char *b, Py_ssize_t lo, Py_ssize_t hi, int ch)
{
    Py_ssize_t p = hi + 1;   /* exclusive end */
#ifdef HAVE_SSE2
    const __m128i v = _mm_set1_epi8((char)ch);
    while (p - lo >= 16) {
        int m = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(b + p - 16)), v));
        if (m) {
            int k = 15;
            while (!(m & (1 << k))) k--;
            return p - 16 + k;
        }
        p -= 16;
    }
#endif
    while (--p >= lo)
        if (b[p] == ch) return p;
    return -1;
}

/* xmlcontent._dm_dm_span on the bytes, for the dmDm qualified name b[qs:qs+qn]: the first
 * "<qn", the last "dmHash" right after ":" or "<" (from position 1 on), the last "</qn>"
 * that lies wholly between them. start and end, or -1 when the reference finds none. */
static void dm_span(const unsigned char *b, Py_ssize_t n, Py_ssize_t qs, Py_ssize_t qn,
                    Py_ssize_t *start, Py_ssize_t *end)
{
    Py_ssize_t st = -1, hp = -1, cl = -1;
    *start = *end = -1;
    for (Py_ssize_t p = 0; p + 1 + qn <= n; p++) {
        if (b[p] == '<' && memcmp(b + p + 1, b + qs, (size_t)qn) == 0) { st = p; break; }
    }
    for (Py_ssize_t p = n - 6; p >= 1; p--) {
        p = last_byte(b, 1, p, 'd');
        if (p < 0) break;
        if (memcmp(b + p, "dmHash", 6) == 0 && (b[p - 1] == ':' || b[p - 1] == '<')) {
            hp = p - 1;
            break;
        }
    }
    if (st < 0 || hp < 0) return;
    Py_ssize_t cn = qn + 3;   /* "</" qn ">" */
    for (Py_ssize_t p = hp - cn; p >= st; p--) {
        if (b[p] == '<' && b[p + 1] == '/' && memcmp(b + p + 2, b + qs, (size_t)qn) == 0 &&
                b[p + 2 + qn] == '>') {
            cl = p;
            break;
        }
    }
    if (cl < 0) return;
    *start = st;
    *end = cl + cn;
}

/* The value `_hash_values` makes of a text: None for no text or white space only, the
 * decoded base64 otherwise; *bail when the reference must decide (non-ASCII text, which
 * Python's str.split() treats differently, or anything but clean base64). */
static PyObject *b64_text(const unsigned char *b, span_t sp, int *bail)
{
    if (sp.s < 0) Py_RETURN_NONE;
    /* b64_core refuses any byte >= 0x80 and a text of white space only (no characters);
     * only then is it told apart: blank is None, anything else the reference's. */
    PyObject *out = b64_core(b + sp.s, sp.n);
    if (out != Py_None) return out;   /* the bytes, or NULL on a memory error */
    Py_DECREF(out);
    for (Py_ssize_t k = sp.s; k < sp.s + sp.n; k++)
        if (!is_ws(b[k])) { *bail = 1; return NULL; }
    Py_RETURN_NONE;
}

static PyObject *xml_facts(PyObject *self, PyObject *args)
{
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view)) return NULL;
    const unsigned char *b = view.buf;
    const Py_ssize_t end = view.len;
    nsdecl_t ns[XML_MAX_NS];
    attr_t at[XML_MAX_ATTRS];
    elem_t st[XML_MAX_DEPTH + 1];
    int nns = 0, depth = 0, kind = -1, root_done = 0;
    int seen_outer = 0, seen_dmdm = 0, seen_hash = 0, seen_qts = 0, seen_id = 0;
    span_t dm_id = {-1, 0}, hash = {-1, 0}, alg = {-1, 0}, qts = {-1, 0}, qn = {-1, 0};
    span_t *want_text = NULL;   /* the text after the current start tag goes here */
    Py_ssize_t p = 0, colon;
    PyObject *res = NULL;

    /* Prolog: an optional declaration exactly at the start, then white space. */
    if (end >= 5 && memcmp(b, "<?xml", 5) == 0) {
        static const char *const decls[] = {
            "<?xml version=\"1.0\"?>", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>",
            "<?xml version='1.0' encoding='UTF-8'?>", "<?xml version='1.0' encoding='utf-8'?>"};
        int ok = 0;
        for (size_t k = 0; k < sizeof decls / sizeof decls[0] && !ok; k++) {
            size_t n = strlen(decls[k]);
            if ((size_t)end >= n && memcmp(b, decls[k], n) == 0) { p = (Py_ssize_t)n; ok = 1; }
        }
        if (!ok) goto bail;
    }
    while (p < end && is_ws(b[p])) p++;
    if (p >= end || b[p] != '<') goto bail;

    while (p < end) {
        if (b[p] != '<') {
            /* character data (only inside the root element) */
            if (depth == 0) {
                if (!is_ws(b[p])) goto bail;
                p++;
                continue;
            }
            Py_ssize_t s = p;
            for (;;) {
                p = plain_text(b, p, end);
                if (p >= end) goto bail; /* unclosed elements */
                int c = b[p];
                if (c == '<') break;
                if (c == '&') { p = xml_ref(b, p, end); if (p == BAIL) goto bail; continue; }
                if (c == ']') {
                    if (end - p >= 3 && b[p + 1] == ']' && b[p + 2] == '>') goto bail;
                    p++;
                    continue;
                }
                if (c >= 0x80) { int n = utf8_char(b, p, end); if (!n) goto bail; p += n; continue; }
                goto bail; /* a control character */
            }
            if (want_text) { want_text->s = s; want_text->n = p - s; }
            want_text = NULL;
            continue;
        }
        want_text = NULL;
        if (p + 1 >= end) goto bail;
        if (b[p + 1] == '/') {
            /* end tag */
            if (depth == 0) goto bail;
            elem_t *e = &st[depth - 1];
            Py_ssize_t q = p + 2;
            if (end - q < e->nn || memcmp(b + q, b + e->n, (size_t)e->nn) != 0) goto bail;
            q += e->nn;
            while (q < end && is_ws(b[q])) q++;
            if (q >= end || b[q] != '>') goto bail;
            nns = e->nsbase;
            depth--;
            p = q + 1;
            if (depth == 0) root_done = 1;
            if (root_done) break;
            continue;
        }
        if (b[p + 1] == '!' || b[p + 1] == '?') goto bail; /* comment, CDATA, DOCTYPE, PI */
        if (root_done || depth >= XML_MAX_DEPTH) goto bail;
        /* start tag */
        Py_ssize_t n0 = p + 1, q = xml_name(b, n0, end, &colon);
        if (q == BAIL) goto bail;
        elem_t *e = &st[depth];
        e->n = n0; e->nn = q - n0; e->nsbase = nns; e->role = R_NONE;
        Py_ssize_t ecolon = colon;
        int na = 0, empty = 0;
        for (;;) {
            int ws = 0;
            while (q < end && is_ws(b[q])) { q++; ws = 1; }
            if (q >= end) goto bail;
            if (b[q] == '>') { q++; break; }
            if (b[q] == '/') {
                if (q + 1 >= end || b[q + 1] != '>') goto bail;
                q += 2; empty = 1; break;
            }
            if (!ws || na >= XML_MAX_ATTRS) goto bail;
            attr_t *a = &at[na];
            a->n = q;
            q = xml_name(b, q, end, &a->colon);
            if (q == BAIL) goto bail;
            a->nn = q - a->n;
            while (q < end && is_ws(b[q])) q++;
            if (q >= end || b[q] != '=') goto bail;
            q++;
            while (q < end && is_ws(b[q])) q++;
            if (q >= end || (b[q] != '"' && b[q] != '\'')) goto bail;
            int quote = b[q++];
            a->v = q;
            a->plain = 1;
            for (;;) {
                while (q < end && !attr_cls[b[q]]) q++;
                if (q >= end) goto bail;
                int c = b[q];
                if (c == quote) break;
                if (c == '"' || c == '\'') { q++; continue; }
                if (c == '&') { a->plain = 0; q = xml_ref(b, q, end); if (q == BAIL) goto bail; continue; }
                if (c >= 0x80) { int n = utf8_char(b, q, end); if (!n) goto bail; q += n; continue; }
                goto bail; /* '<' or a control character */
            }
            a->vn = q - a->v;
            q++;
            for (int k = 0; k < na; k++)   /* the same name twice */
                if (at[k].nn == a->nn && memcmp(b + at[k].n, b + a->n, (size_t)a->nn) == 0)
                    goto bail;
            na++;
        }
        /* namespace declarations of this element */
        for (int k = 0; k < na; k++) {
            attr_t *a = &at[k];
            int dflt = a->colon < 0 && span_eq(b, a->n, a->nn, "xmlns");
            int pref = a->colon == 5 && memcmp(b + a->n, "xmlns", 5) == 0;
            if (!dflt && !pref) {
                if (a->colon == 3 && memcmp(b + a->n, "xml", 3) == 0) goto bail;
                continue;
            }
            if (!a->plain || !uri_ok(b, a->v, a->vn) || nns >= XML_MAX_NS) goto bail;
            nsdecl_t *d = &ns[nns];
            if (pref) {
                d->p = a->n + 6; d->pn = a->nn - 6;
                if (a->vn == 0 || span_eq(b, d->p, d->pn, "xml") ||
                        span_eq(b, d->p, d->pn, "xmlns"))
                    goto bail;
            } else {
                d->p = a->n; d->pn = 0;
            }
            d->u = a->v; d->un = a->vn;
            nns++;
        }
        /* the element's namespace, the prefixed attributes' namespaces */
        Py_ssize_t eu, eun;
        if (!ns_lookup(b, ns, nns, e->n, ecolon < 0 ? 0 : ecolon, &eu, &eun)) goto bail;
        if (ecolon >= 0 && span_eq(b, e->n, ecolon, "xmlns")) goto bail;
        int nil = 0, nprefixed = 0;
        span_t alg_here = {-1, 0};
        for (int k = 0; k < na; k++) {
            attr_t *a = &at[k];
            if (a->colon < 0) {
                if (span_eq(b, a->n, a->nn, "algorithm")) {
                    if (!a->plain || !plain_span(b, a->v, a->vn, 1)) goto bail;
                    alg_here.s = a->v; alg_here.n = a->vn;
                }
                continue;
            }
            if (a->colon == 5 && memcmp(b + a->n, "xmlns", 5) == 0) continue;
            Py_ssize_t u, un;
            if (!ns_lookup(b, ns, nns, a->n, a->colon, &u, &un)) goto bail;
            nprefixed++;
            if (span_eq(b, u, un, NS_XSI) && span_eq(b, a->n + a->colon + 1,
                                                      a->nn - a->colon - 1, "nil")) {
                if (!a->plain || !plain_span(b, a->v, a->vn, 1)) goto bail;
                nil = span_eq(b, a->v, a->vn, "true");
            }
        }
        if (nprefixed > 1) goto bail; /* expanded names could repeat: the reference decides */
        /* what this element is to a verdict */
        Py_ssize_t ln0 = ecolon < 0 ? e->n : e->n + ecolon + 1;
        Py_ssize_t lnn = ecolon < 0 ? e->nn : e->nn - ecolon - 1;
        int parent = depth ? st[depth - 1].role : R_NONE;
        if (depth == 0) {
            e->role = R_ROOT;
            if (span_eq(b, eu, eun, NS_MSG)) kind = 0;
            else if (span_eq(b, eu, eun, NS_SENT)) kind = 1;
            else if (span_eq(b, eu, eun, NS_DELIV)) kind = 2;
            else goto bail;
            if (kind == 2 ? !span_eq(b, ln0, lnn, "GetDeliveryInfoResponse")
                          : !span_eq(b, ln0, lnn, "MessageDownloadResponse") &&
                            !span_eq(b, ln0, lnn, "BigMessageDownloadResponse"))
                goto bail;
        } else if (parent == R_ROOT && !seen_outer &&
                   span_eq(b, ln0, lnn, kind == 2 ? "dmDelivery" : "dmReturnedMessage")) {
            seen_outer = 1;
            if (nil) goto bail;
            e->role = R_OUTER;
        } else if (parent == R_OUTER) {
            if (!seen_dmdm && span_eq(b, ln0, lnn, "dmDm")) {
                seen_dmdm = 1;
                if (!span_eq(b, eu, eun, NS_DM)) goto bail;
                e->role = R_DMDM;
                qn.s = e->n; qn.n = e->nn;
            } else if (!seen_hash && span_eq(b, ln0, lnn, "dmHash")) {
                seen_hash = 1;
                alg = alg_here;
                if (!empty) want_text = &hash;   /* no text: None, as .text */
            } else if (!seen_qts && span_eq(b, ln0, lnn, "dmQTimestamp")) {
                seen_qts = 1;
                if (!nil) {
                    qts.s = q; qts.n = 0;   /* present, empty text: "" */
                    if (!empty) want_text = &qts;
                }
            }
        } else if (parent == R_DMDM && !seen_id && span_eq(b, ln0, lnn, "dmID")) {
            seen_id = 1;
            if (nil) goto bail;
            dm_id.s = q; dm_id.n = 0;
            if (!empty) want_text = &dm_id;
        }
        p = q;
        if (empty) {
            nns = e->nsbase;
            if (depth == 0) { root_done = 1; break; }
        } else {
            depth++;
        }
    }
    if (!root_done) goto bail;
    while (p < end && is_ws(b[p])) p++;
    if (p != end) goto bail;
    if (!seen_outer || !seen_dmdm || dm_id.s < 0) goto bail;
    if ((dm_id.n && !plain_span(b, dm_id.s, dm_id.n, 0)) ||
            (hash.s >= 0 && !plain_span(b, hash.s, hash.n, 0)) ||
            (qts.s >= 0 && !plain_span(b, qts.s, qts.n, 0)))
        goto bail;
    {
        int bail2 = 0;
        Py_ssize_t s0 = -1, s1 = -1;
        PyObject *hash_v = b64_text(b, hash, &bail2);
        if (!hash_v) { if (bail2) goto bail; PyBuffer_Release(&view); return NULL; }
        PyObject *qts_v = b64_text(b, qts, &bail2);
        if (!qts_v) {
            Py_DECREF(hash_v);
            if (bail2) goto bail;
            PyBuffer_Release(&view);
            return NULL;
        }
        if (kind != 2) dm_span(b, end, qn.s, qn.n, &s0, &s1);
        /* the algorithm only with a dmHash value, as the reference reads it */
        if (hash_v == Py_None) alg.s = -1;
        res = Py_BuildValue("(iNNNNnn)", kind, span_bytes(b, dm_id), hash_v, span_bytes(b, alg),
                            qts_v, s0, s1);
    }
    PyBuffer_Release(&view);
    return res;
bail:
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"der_time", der_time, METH_VARARGS,
     "der_time(buf, tag, body, end) -> aware UTC datetime, or None (use the reference)"},
    {"set_tlv_type", set_tlv_type, METH_O,
     "set_tlv_type(cls): build attribute values as this tuple subclass (fastcms.Tlv)"},
    {"ess_cert_id", ess_cert_id, METH_VARARGS,
     "ess_cert_id(buf, start, end, v2) -> (0,) | (1, hash oid | None, hash), or None"},
    {"encapsulated", encapsulated, METH_VARARGS,
     "encapsulated(buf, content_type_oid) -> eContent bytes, or None (use the reference)"},
    {"signed_data", signed_data, METH_VARARGS,
     "signed_data(buf, allow_trailing_zeros, spans=False) -> fields tuple (spans: the "
     "eContent as octet_spans gives it), or None (use the reference)"},
    {"gather", gather, METH_VARARGS,
     "gather(buf, spans, cum, lo, hi) -> bytes lo..hi of the pieces' join (fastcms.Pieces)"},
    {"octet_spans", octet_spans, METH_VARARGS,
     "octet_spans(buf, start, limit, max_depth) -> bytes of native int64 (body, end) pairs "
     "of the OCTET STRING's primitive pieces, or None"},
    {"b64", b64, METH_VARARGS,
     "b64(text) -> decoded bytes of clean padded base64 text, or None (use the reference)"},
    {"xml_facts", xml_facts, METH_VARARGS,
     "xml_facts(content) -> (kind, dmID text, dmHash value, algorithm text, dmQTimestamp "
     "value, dmDm start, dmDm end), or None (use the reference)"},
    {"scan", scan, METH_VARARGS,
     "scan(buf, allow_trailing_zeros, max_depth, max_nodes) -> root length, or None "
     "(der.scan raises)"},
    {"cms_layout", cms_layout, METH_VARARGS,
     "cms_layout(buf) -> (SignedData version, ((start, end), ...) of [1] certificate "
     "entries) if the CMS has the layout parse_zfo's fast path reads, else None"},
    {"tst_info", tst_info, METH_VARARGS,
     "tst_info(data) -> (hash oid, imprint, serial, genTime), or None (use the reference)"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_cder", "C fast path of dso_desktop.zfo.fastcms", -1, methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__cder(void)
{
    PyDateTime_IMPORT;
    xml_tables();
    b64_table();
    if (PyDateTimeAPI == NULL) return NULL;
    PyObject *m = PyModule_Create(&module);
    /* fastcms uses this build only if API matches what it calls (an editable install keeps
     * the .so of an older _cder.c until it is rebuilt). */
    if (m && PyModule_AddIntConstant(m, "API", CDER_API)) { Py_DECREF(m); return NULL; }
    return m;
}
