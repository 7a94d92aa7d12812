/* _cleaner_native: C versions of cleaner's per-line and per-character passes.
 *
 * Every function here has a pure-Python twin in the cleaner package that gives
 * the same result (cleaner/lines.py, cleaner/text.py); tests compare both.
 * Nothing here is required: without a compiler the package runs the twins.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define READ(kind, data, i) PyUnicode_READ(kind, data, i)

/* ------------------------------------------------------------------------ */
/* Tables of lower-cased tokens (open addressing; slots carry the hash's low half) */

typedef struct {
    Py_ssize_t key;   /* offset of the key's code points in the pool */
    Py_ssize_t len;   /* its length */
    Py_ssize_t langs; /* offset of its stoplist ids in the Lexicon's id pool */
    int nlangs;
    int code;         /* CODE_SEP, CODE_STOP or 0 */
} Entry;

enum { CODE_SEP = 1, CODE_STOP = 2 };

typedef struct { /* 8 bytes: a stopword table for one language fits in 32 KB */
    uint32_t hash;  /* the key's hash_ucs4, its low 32 bits (the slot index is its low bits) */
    uint32_t entry; /* index + 1; 0 = empty */
} Slot;

typedef struct {
    Entry *entries;
    Py_ssize_t nentries, capentries;
    Py_UCS4 *pool;
    Py_ssize_t npool, cappool;
    Slot *slots;
    Py_ssize_t mask;
    Py_ssize_t maxlen; /* longest key */
} Table;

static uint64_t mix(uint64_t h)
{
    /* MurmurHash3's finaliser: every input bit reaches the low bits the tables index with. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

static uint64_t hash_ucs4(const Py_UCS4 *s, Py_ssize_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return mix(h);
}

/* The next entry of length n in the probe sequence of hash h, from slot *i (start at h & t->mask;
 * t->slots not NULL), with *i moved past it; NULL at the first empty slot. The caller compares keys. */
static inline const Entry *table_probe(const Table *t, uint64_t h, Py_ssize_t n, Py_ssize_t *i)
{
    for (;; *i = (*i + 1) & t->mask) {
        const Slot *slot = &t->slots[*i];
        if (!slot->entry)
            return NULL;
        if (slot->hash == (uint32_t)h && t->entries[slot->entry - 1].len == n) {
            *i = (*i + 1) & t->mask;
            return &t->entries[slot->entry - 1];
        }
    }
}

static const Entry *table_find(const Table *t, const Py_UCS4 *s, Py_ssize_t n, uint64_t h)
{
    if (!t->slots)
        return NULL;
    Py_ssize_t i = (Py_ssize_t)(h & t->mask);
    for (const Entry *e; (e = table_probe(t, h, n, &i)) != NULL;)
        if (memcmp(t->pool + e->key, s, n * sizeof(Py_UCS4)) == 0)
            return e;
    return NULL;
}

/* Rehash into at least min_size slots, and enough that the entries fill a third or less. */
static int table_resize(Table *t, Py_ssize_t min_size)
{
    Py_ssize_t size = 16;
    while (size < 3 * (t->nentries + 1) || size < min_size)
        size *= 2;
    Slot *slots = PyMem_Calloc(size, sizeof(Slot));
    if (!slots) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i <= t->mask && t->slots; i++) {
        Slot old = t->slots[i];
        if (!old.entry)
            continue;
        Py_ssize_t k = (Py_ssize_t)(old.hash & (size - 1));
        while (slots[k].entry)
            k = (k + 1) & (size - 1);
        slots[k] = old;
    }
    PyMem_Free(t->slots);
    t->slots = slots;
    t->mask = size - 1;
    return 0;
}

/* The index of the entry for key s[:n] (added if new); -1 on memory error. */
static Py_ssize_t table_add(Table *t, const Py_UCS4 *s, Py_ssize_t n, uint64_t h /* hash_ucs4(s, n) */)
{
    const Entry *found = table_find(t, s, n, h);
    if (found)
        return found - t->entries;
    if (t->nentries >= (Py_ssize_t)UINT32_MAX - 1) /* a slot holds a 32-bit entry number */
        goto nomem;
    if (2 * (t->nentries + 1) > t->mask + 1 && table_resize(t, 0) < 0)
        return -1;
    if (t->nentries == t->capentries) {
        Py_ssize_t cap = t->capentries ? 2 * t->capentries : 64;
        Entry *v = PyMem_Realloc(t->entries, cap * sizeof(Entry));
        if (!v)
            goto nomem;
        t->entries = v;
        t->capentries = cap;
    }
    if (t->npool + n > t->cappool) {
        Py_ssize_t cap = t->cappool ? t->cappool : 256;
        while (cap < t->npool + n)
            cap *= 2;
        Py_UCS4 *v = PyMem_Realloc(t->pool, cap * sizeof(Py_UCS4));
        if (!v)
            goto nomem;
        t->pool = v;
        t->cappool = cap;
    }
    memcpy(t->pool + t->npool, s, n * sizeof(Py_UCS4));
    Entry *e = &t->entries[t->nentries];
    e->key = t->npool;
    e->len = n;
    e->langs = 0;
    e->nlangs = 0;
    e->code = 0;
    t->npool += n;
    Py_ssize_t i = (Py_ssize_t)(h & t->mask);
    while (t->slots[i].entry)
        i = (i + 1) & t->mask;
    t->slots[i].hash = (uint32_t)h;
    t->slots[i].entry = (uint32_t)++t->nentries;
    if (n > t->maxlen)
        t->maxlen = n;
    return t->nentries - 1;
nomem:
    PyErr_NoMemory();
    return -1;
}

static Py_ssize_t table_add_str(Table *t, PyObject *str)
{
    Py_UCS4 *s = PyUnicode_AsUCS4Copy(str);
    if (!s)
        return -1;
    Py_ssize_t n = PyUnicode_GET_LENGTH(str), k = table_add(t, s, n, hash_ucs4(s, n));
    PyMem_Free(s);
    return k;
}

static void table_free(Table *t)
{
    if (!t)
        return;
    PyMem_Free(t->entries);
    PyMem_Free(t->pool);
    PyMem_Free(t->slots);
}

/* ------------------------------------------------------------------------ */
/* Lexicon: lower-cased words -> stoplist ids, and the separator tokens      */

typedef struct {
    PyObject_HEAD
    Table all;          /* every stopword of every stoplist, and the separators */
    int32_t *ids;
    Py_ssize_t nids, capids;
    int nlang;          /* largest stoplist id + 1 */
    Table **bylang;     /* nlang + 1 small tables built on first use: [lang] codes, [nlang] for no language */
    Py_ssize_t *bylist_first; /* nlang + 2 offsets into bylist (lexicon_bylist), or NULL before the first table */
    uint32_t *bylist;    /* entry numbers, stoplist by stoplist, then the separators */
    PyObject *terminals; /* tuple of str: a line "ends in punctuation" if it ends with one */
    Py_UCS4 term1[16];   /* the terminals, if each is one character and there are at most 16 */
    int nterm1;          /* how many; -1: use terminals */
    Py_UCS4 *scratch;    /* all.maxlen + 1 code points: a lower-cased token */
} Lexicon;

/* Each stoplist's entries, then the separators' (lx->bylist from bylist_first[nlang]), built with the
 * first language table: a table then costs its own words, not a pass over all 154k. */
static int lexicon_bylist(Lexicon *lx)
{
    if (lx->bylist_first)
        return 0;
    int nlang = lx->nlang;
    Py_ssize_t *first = PyMem_Calloc(nlang + 2, sizeof(Py_ssize_t)), *next = PyMem_Malloc((nlang + 1) * sizeof(Py_ssize_t));
    if (!first || !next)
        goto nomem;
    for (Py_ssize_t k = 0; k < lx->all.nentries; k++) { /* counts, one place up */
        const Entry *e = &lx->all.entries[k];
        for (int j = 0; j < e->nlangs; j++)
            first[lx->ids[e->langs + j] + 1]++;
        first[nlang + 1] += e->code == CODE_SEP;
    }
    for (int i = 1; i <= nlang + 1; i++)
        first[i] += first[i - 1];
    lx->bylist = PyMem_Malloc((first[nlang + 1] ? first[nlang + 1] : 1) * sizeof(uint32_t));
    if (!lx->bylist)
        goto nomem;
    memcpy(next, first, (nlang + 1) * sizeof(Py_ssize_t));
    for (Py_ssize_t k = 0; k < lx->all.nentries; k++) {
        const Entry *e = &lx->all.entries[k];
        for (int j = 0; j < e->nlangs; j++)
            lx->bylist[next[lx->ids[e->langs + j]]++] = (uint32_t)k;
        if (e->code == CODE_SEP)
            lx->bylist[next[nlang]++] = (uint32_t)k;
    }
    PyMem_Free(next);
    lx->bylist_first = first;
    return 0;
nomem:
    PyMem_Free(first);
    PyMem_Free(next);
    PyErr_NoMemory();
    return -1;
}

/* Add entries [a, b) of lx->bylist to t with this code (a separator's wins: it is added last). */
static int lang_table_add(Lexicon *lx, Table *t, Py_ssize_t a, Py_ssize_t b, int code)
{
    for (Py_ssize_t p = a; p < b; p++) {
        const Entry *e = &lx->all.entries[lx->bylist[p]];
        const Py_UCS4 *key = lx->all.pool + e->key;
        Py_ssize_t i = table_add(t, key, e->len, hash_ucs4(key, e->len));
        if (i < 0)
            return -1;
        t->entries[i].code = code;
    }
    return 0;
}

/* The table of the tokens coded for this language: its stopwords, and the separators (which win). */
static const Table *lang_table(Lexicon *lx, int lang)
{
    int slot = lang < 0 ? lx->nlang : lang;
    if (lx->bylang[slot])
        return lx->bylang[slot];
    if (lexicon_bylist(lx) < 0)
        return NULL;
    Table *t = PyMem_Calloc(1, sizeof(Table));
    if (!t) {
        PyErr_NoMemory();
        return NULL;
    }
    const Py_ssize_t *first = lx->bylist_first;
    if ((lang >= 0 && lang_table_add(lx, t, first[lang], first[lang + 1], CODE_STOP) < 0)
        || lang_table_add(lx, t, first[lx->nlang], first[lx->nlang + 1], CODE_SEP) < 0) {
        table_free(t);
        PyMem_Free(t);
        return NULL;
    }
    lx->bylang[slot] = t;
    return t;
}

static void Lexicon_dealloc(Lexicon *lx)
{
    table_free(&lx->all);
    PyMem_Free(lx->ids);
    if (lx->bylang) {
        for (int j = 0; j <= lx->nlang; j++) {
            table_free(lx->bylang[j]);
            PyMem_Free(lx->bylang[j]);
        }
        PyMem_Free(lx->bylang);
    }
    PyMem_Free(lx->scratch);
    PyMem_Free(lx->bylist_first);
    PyMem_Free(lx->bylist);
    Py_XDECREF(lx->terminals);
    Py_TYPE(lx)->tp_free((PyObject *)lx);
}

static int lexicon_add_stoplists(Lexicon *lx, PyObject *files);

static int Lexicon_init(Lexicon *lx, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"index", "separators", "terminals", NULL};
    PyObject *index, *separators, *terminals;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO", kwlist, &index, &separators, &terminals))
        return -1;
    if (lx->terminals) {
        PyErr_SetString(PyExc_RuntimeError, "Lexicon is already initialised");
        return -1;
    }
    if (PyList_Check(index)) {
        if (lexicon_add_stoplists(lx, index) < 0)
            return -1;
    } else if (!PyDict_Check(index)) {
        PyErr_SetString(PyExc_TypeError, "index must be a dict (word -> ids) or a list of stoplist files' bytes");
        return -1;
    }
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Check(index) && PyDict_Next(index, &pos, &key, &value)) {
        if (!PyUnicode_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "index keys must be str");
            return -1;
        }
        PyObject *seq = PySequence_Fast(value, "index values must be sequences of ints");
        if (!seq)
            return -1;
        Py_ssize_t m = PySequence_Fast_GET_SIZE(seq);
        Py_ssize_t entry_index = table_add_str(&lx->all, key);
        if (entry_index < 0) {
            Py_DECREF(seq);
            return -1;
        }
        if (lx->nids + m > lx->capids) {
            Py_ssize_t cap = lx->capids ? lx->capids : 4096;
            while (cap < lx->nids + m)
                cap *= 2;
            int32_t *v = PyMem_Realloc(lx->ids, cap * sizeof(int32_t));
            if (!v) {
                Py_DECREF(seq);
                PyErr_NoMemory();
                return -1;
            }
            lx->ids = v;
            lx->capids = cap;
        }
        Entry *e = &lx->all.entries[entry_index];
        e->langs = lx->nids;
        e->nlangs = (int)m;
        for (Py_ssize_t j = 0; j < m; j++) {
            long id = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, j));
            if (id == -1 && PyErr_Occurred()) {
                Py_DECREF(seq);
                return -1;
            }
            if (id < 0 || id > 1000000) {
                Py_DECREF(seq);
                PyErr_SetString(PyExc_ValueError, "stoplist ids must be small non-negative ints");
                return -1;
            }
            lx->ids[lx->nids++] = (int32_t)id;
            if (id + 1 > lx->nlang)
                lx->nlang = (int)id + 1;
        }
        Py_DECREF(seq);
    }
    PyObject *seps = PySequence_Fast(separators, "separators must be a sequence of str");
    if (!seps)
        return -1;
    for (Py_ssize_t j = 0; j < PySequence_Fast_GET_SIZE(seps); j++) {
        PyObject *s = PySequence_Fast_GET_ITEM(seps, j);
        if (!PyUnicode_Check(s)) {
            Py_DECREF(seps);
            PyErr_SetString(PyExc_TypeError, "separators must be str");
            return -1;
        }
        Py_ssize_t k = table_add_str(&lx->all, s);
        if (k < 0) {
            Py_DECREF(seps);
            return -1;
        }
        lx->all.entries[k].code = CODE_SEP;
    }
    Py_DECREF(seps);
    PyObject *terms = PySequence_Tuple(terminals);
    if (!terms)
        return -1;
    for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(terms); j++) {
        if (!PyUnicode_Check(PyTuple_GET_ITEM(terms, j))) {
            Py_DECREF(terms);
            PyErr_SetString(PyExc_TypeError, "terminals must be str");
            return -1;
        }
    }
    lx->scratch = PyMem_Malloc((lx->all.maxlen + 1) * sizeof(Py_UCS4));
    lx->bylang = PyMem_Calloc(lx->nlang + 1, sizeof(Table *));
    if (!lx->scratch || !lx->bylang) {
        Py_DECREF(terms);
        PyErr_NoMemory();
        return -1;
    }
    lx->nterm1 = PyTuple_GET_SIZE(terms) <= 16 ? (int)PyTuple_GET_SIZE(terms) : -1;
    for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(terms) && lx->nterm1 >= 0; j++) {
        PyObject *t = PyTuple_GET_ITEM(terms, j);
        if (PyUnicode_GET_LENGTH(t) == 1)
            lx->term1[j] = PyUnicode_READ_CHAR(t, 0);
        else
            lx->nterm1 = -1;
    }
    Py_XSETREF(lx->terminals, terms);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Characters                                                                */

/* Classes of the ASCII characters for the page pass (K_UPPER << 4 is the lower-case offset, 32). */
enum { K_UPPER = 2, K_LOWER = 4, K_COMMA = 8, K_DOT = 16 };
static unsigned char ascii_class[128];

static void build_ascii_class(void)
{
    for (Py_UCS4 c = 0; c < 128; c++)
        ascii_class[c] = (c >= 'A' && c <= 'Z' ? K_UPPER : 0) | (c >= 'a' && c <= 'z' ? K_LOWER : 0)
                       | (c == ',' ? K_COMMA : 0) | (c == '.' ? K_DOT : 0);
}

/* Whitespace as str.split() and str.strip() see it (Py_UNICODE_ISSPACE), as a
 * byte per code point below the last whitespace character, built once from
 * CPython's own table. */
static unsigned char *ws_table;
static Py_UCS4 ws_limit; /* no whitespace at or above */

static int build_ws_table(void)
{
    Py_UCS4 top = 0;
    for (Py_UCS4 c = 0; c < 0x110000; c++)
        if (Py_UNICODE_ISSPACE(c))
            top = c;
    ws_limit = top + 1;
    ws_table = PyMem_Calloc(ws_limit, 1);
    if (!ws_table) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_UCS4 c = 0; c < ws_limit; c++)
        ws_table[c] = Py_UNICODE_ISSPACE(c) ? 1 : 0;
    build_ascii_class();
    return 0;
}

static inline int is_ws(Py_UCS4 c)
{
    return c < ws_limit && ws_table[c];
}

/* text[a:b].lower() into buf (see FN(lower)). */
static Py_ssize_t lower_slow(PyObject *text, Py_ssize_t a, Py_ssize_t b, Py_UCS4 *buf, Py_ssize_t cap)
{
    PyObject *tok = PyUnicode_Substring(text, a, b);
    if (!tok)
        return -1;
    PyObject *low = PyObject_CallMethod(tok, "lower", NULL);
    Py_DECREF(tok);
    if (!low)
        return -1;
    Py_ssize_t m = PyUnicode_GET_LENGTH(low);
    if (m > cap) {
        Py_DECREF(low);
        return cap + 1;
    }
    int lk = PyUnicode_KIND(low);
    const void *ld = PyUnicode_DATA(low);
    for (Py_ssize_t j = 0; j < m; j++)
        buf[j] = READ(lk, ld, j);
    Py_DECREF(low);
    return m;
}

static uint64_t hash_bytes(const unsigned char *p, Py_ssize_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, (size_t)n);
    return mix(h ^ w);
}

/* The non-blank lines of a page: number, bounds, stripped bounds. */
typedef struct {
    Py_ssize_t *rawno, *start, *end, *a, *b;
    Py_ssize_t n, cap;
} Lines;

static int lines_push(Lines *L, Py_ssize_t rawno, Py_ssize_t start, Py_ssize_t end, Py_ssize_t a, Py_ssize_t b)
{
    if (L->n == L->cap) {
        Py_ssize_t cap = L->cap ? 2 * L->cap : 256;
        Py_ssize_t **cols[5] = {&L->rawno, &L->start, &L->end, &L->a, &L->b};
        for (int k = 0; k < 5; k++) {
            Py_ssize_t *v = PyMem_Realloc(*cols[k], cap * sizeof(Py_ssize_t));
            if (!v) {
                PyErr_NoMemory();
                return -1;
            }
            *cols[k] = v;
        }
        L->cap = cap;
    }
    L->rawno[L->n] = rawno;
    L->start[L->n] = start;
    L->end[L->n] = end;
    L->a[L->n] = a;
    L->b[L->n] = b;
    L->n++;
    return 0;
}

static void lines_free(Lines *L)
{
    PyMem_Free(L->rawno);
    PyMem_Free(L->start);
    PyMem_Free(L->end);
    PyMem_Free(L->a);
    PyMem_Free(L->b);
}

static int ends_with_any(PyObject *terms, int kind, const void *data, Py_ssize_t a, Py_ssize_t b)
{
    for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(terms); j++) {
        PyObject *t = PyTuple_GET_ITEM(terms, j);
        Py_ssize_t m = PyUnicode_GET_LENGTH(t);
        if (m > b - a)
            continue;
        int tk = PyUnicode_KIND(t);
        const void *td = PyUnicode_DATA(t);
        Py_ssize_t k = 0;
        while (k < m && READ(tk, td, k) == READ(kind, data, b - m + k))
            k++;
        if (k == m)
            return 1;
    }
    return 0;
}

/* Whether c is one of the n characters in terms (a non-empty line's last character, for single-character terminals). */
static inline int ends_with_char(const Py_UCS4 *terms, int n, Py_UCS4 c)
{
    int hit = 0;
    for (int j = 0; j < n; j++)
        hit |= terms[j] == c;
    return hit;
}

/* Columns of the primitives matrix, in order (cleaner/lines.py names them). */
enum { C_START, C_END, C_LENGTH, C_WORDS, C_STOP, C_SEP, C_COMMA, C_DOTSPACE, C_TERM, C_TITLE, C_DUP, C_BLANK, NCOLS };

#define T Py_UCS1
#define FN(name) name##_1
#include "page_scan.h"
#undef T
#undef FN
#define T Py_UCS2
#define FN(name) name##_2
#include "page_scan.h"
#undef T
#undef FN
#define T Py_UCS4
#define FN(name) name##_4
#include "page_scan.h"
#undef T
#undef FN

/* How many non-blank lines have the same stripped text as each line, into out[0..n). */
static int count_duplicates(int kind, const void *data, const Lines *L, int64_t *out)
{
    Py_ssize_t n = L->n, size = 64;
    while (size < 2 * n)
        size *= 2;
    Py_ssize_t *slots = PyMem_Malloc(size * sizeof(Py_ssize_t));
    uint64_t *hs = PyMem_Malloc((n + 1) * sizeof(uint64_t));
    Py_ssize_t *rep = PyMem_Malloc((n + 1) * sizeof(Py_ssize_t)); /* line -> its first copy */
    int64_t *count = PyMem_Calloc(n + 1, sizeof(int64_t));
    int ok = slots && hs && rep && count;
    if (ok) {
        for (Py_ssize_t k = 0; k < size; k++)
            slots[k] = -1;
        for (Py_ssize_t i = 0; i < n; i++) {
            const unsigned char *p = (const unsigned char *)data + L->a[i] * kind;
            Py_ssize_t bytes = (L->b[i] - L->a[i]) * kind;
            uint64_t h = hs[i] = hash_bytes(p, bytes);
            for (Py_ssize_t k = (Py_ssize_t)(h & (size - 1));; k = (k + 1) & (size - 1)) {
                Py_ssize_t j = slots[k];
                if (j < 0) {
                    slots[k] = rep[i] = i;
                    break;
                }
                if (hs[j] == h && L->b[j] - L->a[j] == L->b[i] - L->a[i] &&
                    memcmp((const unsigned char *)data + L->a[j] * kind, p, bytes) == 0) {
                    rep[i] = j;
                    break;
                }
            }
            count[rep[i]]++;
        }
        for (Py_ssize_t i = 0; i < n; i++)
            out[i] = count[rep[i]];
    } else {
        PyErr_NoMemory();
    }
    PyMem_Free(slots);
    PyMem_Free(hs);
    PyMem_Free(rep);
    PyMem_Free(count);
    return ok ? 0 : -1;
}

/* Make the array *items (*cap items of `size` bytes) hold at least `need` items, doubling
 * from at least `least`; new items are zeroed. -1 (MemoryError set) without memory. */
static int grow(void **items, Py_ssize_t *cap, Py_ssize_t need, size_t size, Py_ssize_t least)
{
    if (need <= *cap)
        return 0;
    Py_ssize_t n = *cap ? *cap : least;
    while (n < need)
        n *= 2;
    char *v = PyMem_Realloc(*items, (size_t)n * size);
    if (!v) {
        PyErr_NoMemory();
        return -1;
    }
    memset(v + (size_t)*cap * size, 0, (size_t)(n - *cap) * size);
    *items = v;
    *cap = n;
    return 0;
}
#define GROW(ptr, cap, need, least) grow((void **)&(ptr), &(cap), (need), sizeof *(ptr), (least))

typedef struct {
    Py_ssize_t entry; /* in lx->all */
    int32_t list;     /* the stoplist's id */
} Pair;

typedef struct {
    Py_ssize_t at, len; /* a lower-cased word's place in the batch buffer */
    uint64_t h;         /* its hash_ucs4 */
} Word;

#define LEX_BATCH 16 /* words read ahead of their table lookups */
#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif

/* Every stoplist, given as the bytes of its file (list i has id i), into lx->all: each
 * line (split where bytes.splitlines() splits: \n, \r, \r\n) decoded from UTF-8 and
 * lower-cased as str.lower() does, with the ids of the lists holding it in increasing
 * order: the table the dict of stoplists.stoplists()[0] gives, without building it. */
static int lexicon_add_stoplists(Lexicon *lx, PyObject *files)
{
    Py_ssize_t nfiles = PyList_GET_SIZE(files), npairs = 0, cappairs = 0, caplast = 0, capbuf = 0;
    Pair *pairs = NULL;
    Py_ssize_t *count = NULL;
    int32_t *last = NULL; /* 1 + the last list each entry was seen in */
    Py_UCS4 *buf = NULL;
    PyObject *text = NULL;
    int rc = -1;
    /* Slots for as many words as the files have lines, half full: no rehash as the table
     * fills (a rehash moves every key to a random place in a table of megabytes). */
    Py_ssize_t lines = 0;
    for (Py_ssize_t f = 0; f < nfiles; f++) {
        PyObject *blob = PyList_GET_ITEM(files, f);
        if (!PyBytes_Check(blob)) {
            PyErr_SetString(PyExc_TypeError, "stoplist files must be bytes");
            goto done;
        }
        const char *p = PyBytes_AS_STRING(blob), *end = p + PyBytes_GET_SIZE(blob);
        for (lines++; (p = memchr(p, '\n', end - p)) != NULL; p++)
            lines++;
    }
    if (table_resize(&lx->all, 2 * (lines + 1)) < 0)
        goto done;
    Word batch[LEX_BATCH];
    for (Py_ssize_t f = 0; f < nfiles; f++) {
        PyObject *blob = PyList_GET_ITEM(files, f);
        Py_XSETREF(text, PyUnicode_DecodeUTF8(PyBytes_AS_STRING(blob), PyBytes_GET_SIZE(blob), "strict"));
        if (!text)
            goto done;
        int kind = PyUnicode_KIND(text);
        const void *d = PyUnicode_DATA(text);
        Py_ssize_t len = PyUnicode_GET_LENGTH(text), start = 0;
        while (start < len) {
            /* A batch of words lower-cased and hashed, their slots fetched while the next are read:
             * the slots lie at random in megabytes, and each would otherwise wait for memory. */
            int nb = 0;
            Py_ssize_t used = 0;
            for (; nb < LEX_BATCH && start < len; nb++) {
                Py_ssize_t end = start;
                while (end < len && READ(kind, d, end) != '\n' && READ(kind, d, end) != '\r')
                    end++;
                Py_ssize_t cap = 3 * (end - start) + 1; /* str.lower() at most triples a string */
                if (GROW(buf, capbuf, used + cap, 4096) < 0)
                    goto done;
                uint64_t h = 0;
                Py_ssize_t m = kind == PyUnicode_1BYTE_KIND ? lower_1(text, d, start, end, buf + used, cap, &h)
                             : kind == PyUnicode_2BYTE_KIND ? lower_2(text, d, start, end, buf + used, cap, &h)
                                                            : lower_4(text, d, start, end, buf + used, cap, &h);
                if (m < 0 || m > cap) {
                    if (!PyErr_Occurred())
                        PyErr_SetString(PyExc_ValueError, "a stopword lower-cases to more than three times its length");
                    goto done;
                }
                batch[nb] = (Word){used, m, h}; /* h: hash_ucs4(buf + used, m) */
                PREFETCH(&lx->all.slots[h & lx->all.mask]);
                used += m;
                start = end;
                if (start < len) /* past the line break: \r\n is one */
                    start += (READ(kind, d, start) == '\r' && start + 1 < len && READ(kind, d, start + 1) == '\n') ? 2 : 1;
            }
            for (int j = 0; j < nb; j++) {
                Py_ssize_t k = table_add(&lx->all, buf + batch[j].at, batch[j].len, batch[j].h);
                if (k < 0 || GROW(last, caplast, k + 1, 4096) < 0)
                    goto done;
                if (last[k] != f + 1) { /* a word once per list, as in a set */
                    last[k] = (int32_t)(f + 1);
                    if (GROW(pairs, cappairs, npairs + 1, 65536) < 0)
                        goto done;
                    pairs[npairs++] = (Pair){k, (int32_t)f};
                }
            }
        }
    }
    /* Each entry's ids, contiguous and in list order. */
    Py_ssize_t nentries = lx->all.nentries;
    count = PyMem_Calloc(nentries + 1, sizeof(Py_ssize_t));
    lx->ids = PyMem_Malloc((npairs ? npairs : 1) * sizeof(int32_t));
    if (!count || !lx->ids) {
        PyErr_NoMemory();
        goto done;
    }
    lx->capids = npairs ? npairs : 1;
    for (Py_ssize_t p = 0; p < npairs; p++)
        count[pairs[p].entry]++;
    Py_ssize_t offset = 0;
    for (Py_ssize_t k = 0; k < nentries; k++) {
        lx->all.entries[k].langs = offset;
        lx->all.entries[k].nlangs = (int)count[k];
        count[k] = offset; /* from here: where the entry's next id goes */
        offset += lx->all.entries[k].nlangs;
    }
    for (Py_ssize_t p = 0; p < npairs; p++) {
        lx->ids[count[pairs[p].entry]++] = pairs[p].list;
        if (pairs[p].list + 1 > lx->nlang)
            lx->nlang = pairs[p].list + 1;
    }
    lx->nids = npairs;
    rc = 0;
done:
    Py_XDECREF(text);
    PyMem_Free(pairs);
    PyMem_Free(last);
    PyMem_Free(count);
    PyMem_Free(buf);
    return rc;
}

static PyObject *Lexicon_lookup(Lexicon *lx, PyObject *arg)
{
    /* The ids of the stoplists holding a (lower-cased) word, or None (for tests). */
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "expected str");
        return NULL;
    }
    Py_UCS4 *s = PyUnicode_AsUCS4Copy(arg);
    if (!s)
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    const Entry *e = table_find(&lx->all, s, n, hash_ucs4(s, n));
    PyMem_Free(s);
    if (!e || !e->nlangs)
        Py_RETURN_NONE;
    PyObject *out = PyTuple_New(e->nlangs);
    for (int j = 0; out && j < e->nlangs; j++) {
        PyObject *v = PyLong_FromLong(lx->ids[e->langs + j]);
        if (!v) {
            Py_CLEAR(out);
            break;
        }
        PyTuple_SET_ITEM(out, j, v);
    }
    return out;
}

static PyObject *Lexicon_stopwords(Lexicon *lx, PyObject *unused)
{
    /* How many words are in some stoplist (for tests). */
    Py_ssize_t n = 0;
    for (Py_ssize_t k = 0; k < lx->all.nentries; k++)
        n += lx->all.entries[k].nlangs > 0;
    return PyLong_FromSsize_t(n);
}

static PyObject *Lexicon_page(Lexicon *lx, PyObject *args)
{
    PyObject *text;
    Py_ssize_t sample_lines, sample_words;
    int with_lines = 1;
    if (!PyArg_ParseTuple(args, "Unn|p", &text, &sample_lines, &sample_words, &with_lines))
        return NULL;
    if (!lx->terminals) {
        PyErr_SetString(PyExc_RuntimeError, "Lexicon is not initialised");
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    Lines L = {0};
    PyObject *lines = NULL, *matrix = NULL, *result = NULL;
    int err = 0, lang = -1, zero_token = 0;

    int rc = kind == PyUnicode_1BYTE_KIND ? split_lines_1(data, len, &L)
           : kind == PyUnicode_2BYTE_KIND ? split_lines_2(data, len, &L)
                                          : split_lines_4(data, len, &L);
    if (rc < 0)
        goto done;
    Py_ssize_t n = L.n;
    lines = with_lines ? PyList_New(n) : Py_NewRef(Py_None);
    matrix = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)NCOLS * n * (Py_ssize_t)sizeof(int64_t));
    if (!lines || !matrix)
        goto done;
    int64_t *col = (int64_t *)PyBytes_AS_STRING(matrix);
#define AT(c, i) col[(Py_ssize_t)(c) * n + (i)]
    if (n) {
        lang = kind == PyUnicode_1BYTE_KIND ? language_1(lx, text, data, &L, sample_lines, sample_words, &err)
             : kind == PyUnicode_2BYTE_KIND ? language_2(lx, text, data, &L, sample_lines, sample_words, &err)
                                            : language_4(lx, text, data, &L, sample_lines, sample_words, &err);
        if (err)
            goto done;
    }
    const Table *codes = lang_table(lx, lang);
    if (!codes)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t a = L.a[i], b = L.b[i];
        if (with_lines) {
            PyObject *s = PyUnicode_Substring(text, a, b);
            if (!s)
                goto done;
            PyList_SET_ITEM(lines, i, s);
        }
        int64_t out[NCOLS];
        rc = kind == PyUnicode_1BYTE_KIND ? line_stats_1(lx, codes, text, data, a, b, out, &zero_token)
           : kind == PyUnicode_2BYTE_KIND ? line_stats_2(lx, codes, text, data, a, b, out, &zero_token)
                                          : line_stats_4(lx, codes, text, data, a, b, out, &zero_token);
        if (rc < 0)
            goto done;
        AT(C_START, i) = L.start[i];
        AT(C_END, i) = L.end[i];
        AT(C_LENGTH, i) = b - a;
        AT(C_WORDS, i) = out[C_WORDS];
        AT(C_STOP, i) = out[C_STOP];
        AT(C_SEP, i) = out[C_SEP];
        AT(C_COMMA, i) = out[C_COMMA];
        AT(C_DOTSPACE, i) = out[C_DOTSPACE];
        AT(C_TERM, i) = lx->nterm1 >= 0 ? ends_with_char(lx->term1, lx->nterm1, READ(kind, data, b - 1))
                                          : ends_with_any(lx->terminals, kind, data, a, b);
        AT(C_TITLE, i) = out[C_TITLE];
        AT(C_BLANK, i) = (i == 0 || L.rawno[i] - L.rawno[i - 1] > 1);
    }
    if (zero_token) /* a token "\0": the Python pass then codes every word as a plain word */
        for (Py_ssize_t i = 0; i < n; i++)
            AT(C_STOP, i) = AT(C_SEP, i) = 0;
    if (n && count_duplicates(kind, data, &L, &AT(C_DUP, 0)) < 0)
        goto done;
#undef AT
    result = Py_BuildValue("iNN", lang, lines, matrix);
    lines = matrix = NULL;
done:
    Py_XDECREF(lines);
    Py_XDECREF(matrix);
    lines_free(&L);
    return result;
}

static PyObject *Lexicon_lower(Lexicon *lx, PyObject *arg)
{
    /* str.lower() of one token as the page pass computes it (for tests). */
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "expected str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    Py_UCS4 *buf = PyMem_Malloc((3 * n + 1) * sizeof(Py_UCS4));
    if (!buf)
        return PyErr_NoMemory();
    int kind = PyUnicode_KIND(arg);
    const void *d = PyUnicode_DATA(arg);
    uint64_t h = 0;
    Py_ssize_t m = kind == PyUnicode_1BYTE_KIND ? lower_1(arg, d, 0, n, buf, 3 * n + 1, &h)
                 : kind == PyUnicode_2BYTE_KIND ? lower_2(arg, d, 0, n, buf, 3 * n + 1, &h)
                                                : lower_4(arg, d, 0, n, buf, 3 * n + 1, &h);
    if (m >= 0 && h != hash_ucs4(buf, m)) {
        PyMem_Free(buf);
        PyErr_SetString(PyExc_AssertionError, "token hash differs from hash_ucs4");
        return NULL;
    }
    PyObject *out = m < 0 ? NULL : PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, m);
    PyMem_Free(buf);
    return out;
}

static PyMethodDef Lexicon_methods[] = {
    {"page", (PyCFunction)Lexicon_page, METH_VARARGS,
     "page(text, sample_lines, sample_words, with_lines=True) -> (language id, stripped non-blank lines or None, "
     "int64 column matrix bytes)"},
    {"lower", (PyCFunction)Lexicon_lower, METH_O, "lower(token) -> the token lower-cased as page() does"},
    {"lookup", (PyCFunction)Lexicon_lookup, METH_O, "lookup(word) -> the ids of the stoplists holding it, or None"},
    {"stopwords", (PyCFunction)Lexicon_stopwords, METH_NOARGS, "stopwords() -> how many words some stoplist holds"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject LexiconType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_cleaner_native.Lexicon",
    .tp_basicsize = sizeof(Lexicon),
    .tp_dealloc = (destructor)Lexicon_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Lexicon(index, separators, terminals): stoplists (a dict word -> ids, or a list of the stoplist "
              "files' bytes) and separator tokens.",
    .tp_methods = Lexicon_methods,
    .tp_init = (initproc)Lexicon_init,
    .tp_new = PyType_GenericNew,
};

/* ------------------------------------------------------------------------ */

static PyObject *normalise(PyObject *module, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "normalise() expects str");
        return NULL;
    }
    int kind = PyUnicode_KIND(arg);
    const void *d = PyUnicode_DATA(arg);
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    return kind == PyUnicode_1BYTE_KIND ? normalise_1(d, n)
         : kind == PyUnicode_2BYTE_KIND ? normalise_2(d, n)
                                        : normalise_4(d, n);
}

static PyObject *in_output_form(PyObject *module, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "in_output_form() expects str");
        return NULL;
    }
    int kind = PyUnicode_KIND(arg);
    const void *d = PyUnicode_DATA(arg);
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    int yes = kind == PyUnicode_1BYTE_KIND ? output_form_1(d, n)
            : kind == PyUnicode_2BYTE_KIND ? output_form_2(d, n)
                                           : output_form_4(d, n);
    return PyBool_FromLong(yes);
}

static PyObject *cut_normalise(PyObject *module, PyObject *args)
{
    /* normalise(cut_spans(text, spans)) in one call. */
    PyObject *text, *list;
    if (!PyArg_ParseTuple(args, "UO!", &text, &PyList_Type, &list))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), nspans = PyList_GET_SIZE(list), prev = 0;
    Py_ssize_t *spans = PyMem_Malloc((2 * nspans + 1) * sizeof(Py_ssize_t));
    if (!spans)
        return PyErr_NoMemory();
    for (Py_ssize_t k = 0; k < nspans; k++) {
        PyObject *item = PyList_GET_ITEM(list, k);
        Py_ssize_t a, b;
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
            PyMem_Free(spans);
            PyErr_SetString(PyExc_TypeError, "spans must be (start, end) tuples");
            return NULL;
        }
        a = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 0));
        b = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 1));
        if ((a == -1 || b == -1) && PyErr_Occurred()) {
            PyMem_Free(spans);
            return NULL;
        }
        if (a < prev || b < a || b > n) {
            PyMem_Free(spans);
            PyErr_SetString(PyExc_ValueError, "spans must be sorted, disjoint and within the text");
            return NULL;
        }
        spans[2 * k] = a;
        spans[2 * k + 1] = prev = b;
    }
    int kind = PyUnicode_KIND(text);
    const void *d = PyUnicode_DATA(text);
    void *buf = PyMem_Malloc((n + nspans + 1) * kind);
    PyObject *out = NULL;
    if (!buf) {
        PyMem_Free(spans);
        return PyErr_NoMemory();
    }
    if (kind == PyUnicode_1BYTE_KIND)
        out = normalise_1(buf, cut_1(d, n, spans, nspans, buf));
    else if (kind == PyUnicode_2BYTE_KIND)
        out = normalise_2(buf, cut_2(d, n, spans, nspans, buf));
    else
        out = normalise_4(buf, cut_4(d, n, spans, nspans, buf));
    PyMem_Free(buf);
    PyMem_Free(spans);
    return out;
}

/* A span's bounds from a (start, end) pair: a tuple, or any sequence of two integers. */
static int span_of(PyObject *item, Py_ssize_t *a, Py_ssize_t *b)
{
    PyObject *seq = PySequence_Fast(item, "spans must be (start, end) pairs");
    if (!seq)
        return -1;
    int rc = -1;
    if (PySequence_Fast_GET_SIZE(seq) != 2) {
        PyErr_SetString(PyExc_TypeError, "spans must be (start, end) pairs");
    } else {
        *a = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(seq, 0));
        *b = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(seq, 1));
        rc = ((*a == -1 || *b == -1) && PyErr_Occurred()) ? -1 : 0;
    }
    Py_DECREF(seq);
    return rc;
}

static PyObject *mask(PyObject *module, PyObject *args)
{
    /* The text with each of the sorted (start, end) spans blanked: every character
     * but a line break becomes a space. Overlaps are clamped as _mask does. */
    PyObject *text, *list;
    if (!PyArg_ParseTuple(args, "UO!", &text, &PyList_Type, &list))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), nspans = PyList_GET_SIZE(list), pos = 0, prev = 0;
    Py_ssize_t *spans = PyMem_Malloc((2 * nspans + 1) * sizeof(Py_ssize_t));
    if (!spans)
        return PyErr_NoMemory();
    Py_ssize_t m = 0;
    for (Py_ssize_t k = 0; k < nspans; k++) {
        Py_ssize_t a, b;
        if (span_of(PyList_GET_ITEM(list, k), &a, &b) < 0) {
            PyMem_Free(spans);
            return NULL;
        }
        if (a < 0 || a < prev) {
            PyMem_Free(spans);
            PyErr_SetString(PyExc_ValueError, "spans must be sorted and not negative");
            return NULL;
        }
        prev = a;
        if (a < pos)
            a = pos;
        if (b > n)
            b = n;
        if (a >= b)
            continue;
        spans[2 * m] = a;
        spans[2 * m + 1] = pos = b;
        m++;
    }
    int kind = PyUnicode_KIND(text);
    const void *d = PyUnicode_DATA(text);
    /* The result's widest character decides its kind: only kept characters count. */
    Py_UCS4 maxchar = m ? ' ' : 0;
    if (!PyUnicode_IS_ASCII(text)) {
        Py_ssize_t from = 0;
        for (Py_ssize_t k = 0; k <= m; k++) {
            Py_ssize_t to = k < m ? spans[2 * k] : n;
            for (Py_ssize_t i = from; i < to; i++) {
                Py_UCS4 c = PyUnicode_READ(kind, d, i);
                if (c > maxchar)
                    maxchar = c;
            }
            from = k < m ? spans[2 * k + 1] : n;
        }
    } else {
        maxchar = 127;
    }
    PyObject *out = PyUnicode_New(n, maxchar);
    if (!out) {
        PyMem_Free(spans);
        return NULL;
    }
    int okind = PyUnicode_KIND(out);
    void *o = PyUnicode_DATA(out);
    if (okind == kind) {
        memcpy(o, d, (size_t)n * kind);
    } else {
        Py_ssize_t from = 0;
        for (Py_ssize_t k = 0; k <= m; k++) {
            Py_ssize_t to = k < m ? spans[2 * k] : n;
            for (Py_ssize_t i = from; i < to; i++)
                PyUnicode_WRITE(okind, o, i, PyUnicode_READ(kind, d, i));
            from = k < m ? spans[2 * k + 1] : n;
        }
    }
    for (Py_ssize_t k = 0; k < m; k++)
        for (Py_ssize_t i = spans[2 * k]; i < spans[2 * k + 1]; i++)
            PyUnicode_WRITE(okind, o, i, PyUnicode_READ(kind, d, i) == '\n' ? '\n' : ' ');
    PyMem_Free(spans);
    return out;
}

static PyObject *repair_scan(PyObject *module, PyObject *args)
{
    PyObject *text;
    Py_buffer bits, nfc;
    if (!PyArg_ParseTuple(args, "Uy*y*", &text, &bits, &nfc))
        return NULL;
    int kind = PyUnicode_KIND(text);
    const void *d = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), nbits = bits.len * 8, nnfc = nfc.len * 8;
    PyObject *out = kind == PyUnicode_1BYTE_KIND ? repair_scan_1(d, n, bits.buf, nbits, nfc.buf, nnfc)
                  : kind == PyUnicode_2BYTE_KIND ? repair_scan_2(d, n, bits.buf, nbits, nfc.buf, nnfc)
                                                 : repair_scan_4(d, n, bits.buf, nbits, nfc.buf, nnfc);
    PyBuffer_Release(&bits);
    PyBuffer_Release(&nfc);
    return out;
}

static PyObject *char_offsets(PyObject *module, PyObject *args)
{
    /* For sorted byte offsets into UTF-8 data (on character boundaries): the str offsets. */
    Py_buffer data;
    PyObject *offsets;
    if (!PyArg_ParseTuple(args, "y*O!", &data, &PyList_Type, &offsets))
        return NULL;
    const unsigned char *p = data.buf;
    Py_ssize_t n = PyList_GET_SIZE(offsets), pos = 0, count = 0;
    PyObject *out = PyList_New(n);
    for (Py_ssize_t i = 0; out && i < n; i++) {
        Py_ssize_t at = PyLong_AsSsize_t(PyList_GET_ITEM(offsets, i));
        if (at == -1 && PyErr_Occurred()) {
            Py_CLEAR(out);
            break;
        }
        if (at < pos || at > data.len) {
            PyErr_SetString(PyExc_ValueError, "offsets must be sorted and within the data");
            Py_CLEAR(out);
            break;
        }
        for (; pos < at; pos++)
            count += (p[pos] & 0xC0) != 0x80;
        PyObject *v = PyLong_FromSsize_t(count);
        if (!v) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, v);
    }
    PyBuffer_Release(&data);
    return out;
}

#include "score.h"
#include "residue.h"

static PyMethodDef module_methods[] = {
    SCORE_METHODS
    RESIDUE_METHODS
    {"char_offsets", (PyCFunction)char_offsets, METH_VARARGS,
     "char_offsets(utf8, sorted byte offsets) -> the str offsets of those positions"},
    {"repair_scan", (PyCFunction)repair_scan, METH_VARARGS,
     "repair_scan(text, bitmap, nfc bitmap) -> (positions of bitmap characters and entity starts, has surrogate, "
     "badness possible, may not be NFC)"},
    {"in_output_form", (PyCFunction)in_output_form, METH_O,
     "in_output_form(text) -> whether text is non-empty and normalise(text) == text"},
    {"cut_normalise", (PyCFunction)cut_normalise, METH_VARARGS,
     "cut_normalise(text, spans) -> normalise(text minus the sorted disjoint (start, end) spans, each left as a space or line break)"},
    {"mask", (PyCFunction)mask, METH_VARARGS,
     "mask(text, sorted (start, end) spans) -> text with the spans' characters but line breaks made spaces"},
    {"normalise", (PyCFunction)normalise, METH_O,
     "normalise(text) -> text with one space between words, one blank line between non-empty lines, a final newline"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_cleaner_native", "C versions of cleaner's per-line passes (optional).", -1,
    module_methods,
};

PyMODINIT_FUNC PyInit__cleaner_native(void)
{
    if (!ws_table && build_ws_table() < 0)
        return NULL;
    if (PyType_Ready(&LexiconType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (!m)
        return NULL;
    Py_INCREF(&LexiconType);
    if (PyModule_AddObject(m, "Lexicon", (PyObject *)&LexiconType) < 0) {
        Py_DECREF(&LexiconType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
