/* Fast path of fastcms.signed_data and fastcms.tst_info: the same DER walk in C.
 *
 * Contract (tested differentially against the pure-Python reference in fastcms.py):
 * whenever this code returns a result, the reference returns exactly the same fields for
 * the same input. Whenever the input is anything but plain definite-length DER of the
 * expected shape (indefinite lengths, high tag numbers, constructed OCTET STRINGs, a
 * wrong tag, a count over a limit, trailing data, ...) it returns None and the caller
 * runs the reference, which produces the error (and its message) or the BER result. So
 * this code never has to reproduce an error message, only to refuse what it is not sure of.
 *
 * Every read is bounds-checked against its parent; no recursion; lengths above 2^31 are
 * refused (a ZFO is capped far below that). Only plain C and the CPython C API (with its
 * datetime API) are used, so it builds with any C compiler setuptools finds (gcc, clang, MSVC).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <string.h>

/* Bump when a function is added or changes its contract (fastcms.CDER_API must match). */
#define CDER_API 2

typedef struct {
    int tag;
    Py_ssize_t start, body, end;
} tlv_t;

#define BAIL (-1)

/* One TLV at pos that must end by limit. Returns 0, or BAIL for anything the reference
 * would refuse or read differently (we only accept what both read the same way). */
static int rd(const unsigned char *b, Py_ssize_t pos, Py_ssize_t limit, tlv_t *t)
{
    if (pos + 2 > limit) return BAIL;
    int tag = b[pos];
    if ((tag & 0x1F) == 0x1F) return BAIL;
    int lb = b[pos + 1];
    Py_ssize_t i = pos + 2, length;
    if (lb < 0x80) {
        length = lb;
    } else if (lb == 0x80) {
        return BAIL; /* indefinite: the reference handles BER */
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
    return 0;
}

/* The children of p (at most max, else BAIL), into out[]; returns the count or BAIL. */
static int kids(const unsigned char *b, const tlv_t *p, tlv_t *out, int max)
{
    Py_ssize_t pos = p->body;
    int n = 0;
    while (pos < p->end) {
        if (n >= max) return BAIL;
        if (rd(b, pos, p->end, &out[n])) return BAIL;
        pos = out[n].end;
        n++;
    }
    return n;
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
    PyObject *items = Py_BuildValue("(innnnO)", t->tag, t->start, t->body, t->end, t->end,
                                    Py_False);
    if (!items || !tlv_type) return items;
    PyObject *args = PyTuple_Pack(1, items);
    Py_DECREF(items);
    if (!args) return NULL;
    PyObject *res = PyTuple_Type.tp_new(tlv_type, args, NULL);
    Py_DECREF(args);
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
    int allow_zeros;
    if (!PyArg_ParseTuple(args, "y*p", &view, &allow_zeros)) return NULL;
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
    if (rd(b, 0, len, &top)) NOPE;
    for (Py_ssize_t p = top.end; p < len; p++) {
        if (!allow_zeros || b[p] != 0) NOPE;
    }
    if (kids(b, &top, ci, 4) != 2 || !oid_is(b, &ci[0], OID_SIGNED_DATA, 9)) NOPE;
    if (ci[1].tag != 0xA0 || kids(b, &ci[1], inner, 1) != 1 || inner[0].tag != 0x30) NOPE;
    int nsd = kids(b, &inner[0], sd, 8);
    if (nsd < 4 || sd[0].tag != 0x02 || sd[1].tag != 0x31 || sd[2].tag != 0x30) NOPE;
    int neci = kids(b, &sd[2], eci, 2);
    if (neci < 1 || eci[0].tag != 0x06) NOPE;
    if (neci == 2) {
        if (eci[1].tag != 0xA0 || kids(b, &eci[1], wrapped, 1) != 1 || wrapped[0].tag != 0x04)
            NOPE;
    }
    /* As the reference: every [0] is read (the last one gives the certificates), [1] is
     * skipped, the last SET is the signerInfos, other tags are ignored. */
    int have_si = 0, ncerts = 0;
    tlv_t si_set = {0, 0, 0, 0};
    for (int k = 3; k < nsd; k++) {
        if (sd[k].tag == 0xA0) {
            ncerts = kids(b, &sd[k], certv, MAX_CERTS);
            if (ncerts == BAIL) NOPE;
        } else if (sd[k].tag == 0x31) {
            si_set = sd[k];
            have_si = 1;
        }
    }
    if (!have_si) NOPE;
    if (kids(b, &si_set, sis, 2) != 1 || sis[0].tag != 0x30) NOPE;
    int nsi = kids(b, &sis[0], si, 8);
    if (nsi < 5) NOPE;
    if (si[1].tag == 0x30) {
        if (kids(b, &si[1], ias, 2) != 2 || ias[0].tag != 0x30 || ias[1].tag != 0x02) NOPE;
    } else if (si[1].tag != 0x80) {
        NOPE;
    }
    if (si[2].tag != 0x30 || kids(b, &si[2], dalg, 2) < 1 || dalg[0].tag != 0x06) NOPE;
    int idx = 3, has_sattrs = 0;
    if (si[idx].tag == 0xA0) { has_sattrs = 1; idx++; }
    if (idx + 1 >= nsi) NOPE;
    int nsalg = (si[idx].tag == 0x30) ? kids(b, &si[idx], salg, 2) : BAIL;
    if (nsalg < 1 || salg[0].tag != 0x06) NOPE;
    if (si[idx + 1].tag != 0x04) NOPE;
    int has_unsigned = idx + 2 < nsi && si[idx + 2].tag == 0xA1;
    if (neci < 2 && oid_is(b, &eci[0], OID_DATA, 9)) NOPE; /* detached: reference says so */

    /* Everything checked: build the values. */
    if (neci == 2) { content = body_of(b, &wrapped[0]); if (!content) goto done; }
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
     "signed_data(buf, allow_trailing_zeros) -> fields tuple, or None (use the reference)"},
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
    if (PyDateTimeAPI == NULL) return NULL;
    PyObject *m = PyModule_Create(&module);
    /* fastcms uses this build only if API matches what it calls (an editable install keeps
     * the .so of an older _cder.c until it is rebuilt). */
    if (m && PyModule_AddIntConstant(m, "API", CDER_API)) { Py_DECREF(m); return NULL; }
    return m;
}
