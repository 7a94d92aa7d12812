/* _cleaner_tree: cleaner.blocks.walk over the libxml2 tree behind an lxml element, in C.
 *
 * The Python walk (cleaner/blocks.py) visits every element through lxml's
 * iterwalk and reads its attributes and text through element proxies; here the
 * same walk reads libxml2's nodes directly. It gives the same blocks and overlay
 * candidates as the Python walk, which tests compare; anything this walk does
 * not model (namespaced elements, entity references, text that is not UTF-8)
 * makes it return None, and the caller runs the Python walk instead.
 *
 * Built only where lxml's headers are found at install time (lxml.get_include()):
 * it reads libxml2's nodes (libxml/tree.h) and uses lxml's public C API
 * (etree_api.h: an element proxy's node and document, elementFactory).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include "lxml-version.h"
#include "etree_defs.h"
#include <libxml/tree.h>
#include "etree_api.h"

/* ------------------------------------------------------------------------ */
/* Growable byte buffer                                                       */

typedef struct {
    char *data;
    Py_ssize_t len, cap;
} Buf;

/* Room for n more bytes. */
static int buf_reserve(Buf *b, Py_ssize_t n)
{
    if (b->len + n > b->cap) {
        Py_ssize_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        char *p = PyMem_Realloc(b->data, cap);
        if (!p) {
            PyErr_NoMemory();
            return -1;
        }
        b->data = p;
        b->cap = cap;
    }
    return 0;
}

static int buf_add(Buf *b, const char *s, Py_ssize_t n)
{
    if (buf_reserve(b, n) < 0)
        return -1;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* UTF-8 as Python decodes it (strict): -1 for anything it would reject.      */

static inline Py_ssize_t utf8_next(const unsigned char *s, Py_ssize_t n, Py_ssize_t i, Py_UCS4 *out)
{
    unsigned char c = s[i];
    if (c < 0x80) {
        *out = c;
        return i + 1;
    }
    int extra;
    Py_UCS4 cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        extra = 1, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        extra = 2, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        extra = 3, cp = c & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (i + extra >= n)
        return -1;
    for (int k = 1; k <= extra; k++) {
        unsigned char cc = s[i + k];
        if ((cc & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *out = cp;
    return i + 1 + extra;
}

static inline int is_word(Py_UCS4 c)
{
    /* re's \w for str patterns: alphanumeric or underscore */
    if (c < 128)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    return Py_UNICODE_ISALNUM(c);
}

/* How many runs of word characters s[0:n] holds (len(re.findall(r"\w+", s))), or -1 if it is not UTF-8. */
static Py_ssize_t utf8_words(const unsigned char *s, Py_ssize_t n)
{
    Py_ssize_t count = 0;
    int in_word = 0;
    for (Py_ssize_t i = 0; i < n;) {
        Py_UCS4 c;
        if ((i = utf8_next(s, n, i, &c)) < 0)
            return -1;
        int w = is_word(c);
        count += w && !in_word;
        in_word = w;
    }
    return count;
}

static int valid_utf8(const xmlChar *s)
{
    if (!s)
        return 1;
    Py_ssize_t i = 0;
    while (s[i] && s[i] < 0x80)
        i++;
    if (!s[i])
        return 1;
    Py_ssize_t n = i + (Py_ssize_t)strlen((const char *)s + i);
    while (i < n) {
        Py_UCS4 c;
        if ((i = utf8_next(s, n, i, &c)) < 0)
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Tag and role tables, given by cleaner.blocks                                */

enum {
    T_BLOCK = 1,     /* BLOCK_TAGS: a block of its own name */
    T_DIV = 2,       /* DIV_LIKE: ends blocks, a block named "div" */
    T_SKIP = 4,      /* SKIP_TAGS */
    T_KEEP = 8,      /* OVERLAY_KEEP_TAGS: never an overlay */
    T_ARTICLE = 16,  /* main, article */
};

typedef struct {
    char *name;
    int kinds;
    int bit;          /* TAG_BITS, or -1 */
    PyObject *str;    /* the name as str */
} TagInfo;

#define TAG_SLOTS 256
#define MEMO_SLOTS (1 << 16) /* class/id words remembered: up to half this, then the memo starts again */

typedef struct {
    char *name;
    int bit;          /* ROLE_BITS, or -1 */
    int overlay;      /* OVERLAY_ROLES */
} RoleInfo;

typedef struct {
    uint64_t hash;
    uint64_t bits;
    Py_ssize_t key, len;   /* the key's bytes in memo_keys */
    int used;
} MemoSlot;

typedef struct {
    PyObject_HEAD
    TagInfo *tags;
    Py_ssize_t ntags;
    int slots[TAG_SLOTS]; /* tag index + 1, open addressing on the name's hash */
    RoleInfo *roles;
    Py_ssize_t nroles;
    PyObject *attr_bits;   /* str -> int: the ATTR_GROUPS bits (and OVERLAY_BIT) of a class/id string */
    PyObject *set_match;   /* lower-cased ASCII bytes -> the indices of the groups matching (RE2 Set), or None */
    int attr_bit0;         /* group i is bit attr_bit0 + i */
    /* attr_bits' results by class/id word: they repeat within pages and across a site's pages */
    MemoSlot *memo;        /* MEMO_SLOTS slots, open addressing; emptied when half full */
    Py_ssize_t memo_used;
    Buf memo_keys;
    PyObject *div;         /* "div" */
    PyObject *empty;       /* "" */
    uint64_t link_flag, overlay_bit, article_bit;
} Walker;

static uint64_t bytes_hash(const char *s, Py_ssize_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (Py_ssize_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

/* The tag table's slot holding name, or the empty slot where it would go (the table is never full). */
static int *tag_slot(Walker *w, const char *name)
{
    uint64_t h = bytes_hash(name, (Py_ssize_t)strlen(name));
    for (uint64_t k = 0;; k++) {
        int *slot = &w->slots[(h + k) % TAG_SLOTS];
        if (!*slot || strcmp(w->tags[*slot - 1].name, name) == 0)
            return slot;
    }
}

static const TagInfo *tag_info(Walker *w, const char *name)
{
    int slot = *tag_slot(w, name);
    return slot ? &w->tags[slot - 1] : NULL;
}

static char *copy_str(PyObject *s)
{
    Py_ssize_t n;
    const char *u = PyUnicode_AsUTF8AndSize(s, &n);
    if (!u)
        return NULL;
    char *p = PyMem_Malloc(n + 1);
    if (!p) {
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(p, u, n + 1);
    return p;
}

/* One item of a dict str -> (int, int): the str copied into *name, the ints into *a and *b. */
static int read_entry(PyObject *key, PyObject *value, const char *what, char **name, int *a, int *b)
{
    if (!PyUnicode_Check(key)) {
        PyErr_Format(PyExc_TypeError, "%s must be str", what);
        return -1;
    }
    if (!PyArg_ParseTuple(value, "ii", a, b))
        return -1;
    return (*name = copy_str(key)) != NULL ? 0 : -1;
}

static void Walker_dealloc(Walker *w)
{
    for (Py_ssize_t i = 0; i < w->ntags; i++) {
        PyMem_Free(w->tags[i].name);
        Py_XDECREF(w->tags[i].str);
    }
    PyMem_Free(w->tags);
    for (Py_ssize_t i = 0; i < w->nroles; i++)
        PyMem_Free(w->roles[i].name);
    PyMem_Free(w->roles);
    Py_XDECREF(w->attr_bits);
    Py_XDECREF(w->set_match);
    PyMem_Free(w->memo);
    PyMem_Free(w->memo_keys.data);
    Py_XDECREF(w->div);
    Py_XDECREF(w->empty);
    Py_TYPE(w)->tp_free((PyObject *)w);
}

/* Walker(tags, roles, attr_bits, set_match, attr_bit0, link_flag, overlay_bit, article_bit)
 * tags: {name: (kinds, bit or -1)}; roles: {role: (bit or -1, is overlay role)}. */
static int Walker_init(Walker *w, PyObject *args, PyObject *kw)
{
    PyObject *tags, *roles, *attr_bits, *set_match;
    int attr_bit0;
    unsigned long long link_flag, overlay_bit, article_bit;
    if (!PyArg_ParseTuple(args, "O!O!OOiKKK", &PyDict_Type, &tags, &PyDict_Type, &roles, &attr_bits, &set_match,
                          &attr_bit0, &link_flag, &overlay_bit, &article_bit))
        return -1;
    if (attr_bit0 < 0 || attr_bit0 > 63) {
        PyErr_SetString(PyExc_ValueError, "attr_bit0 must be a bit of a 64-bit int");
        return -1;
    }
    if (w->tags) {
        PyErr_SetString(PyExc_RuntimeError, "Walker is initialised once");
        return -1;
    }
    Py_ssize_t n = PyDict_Size(tags);
    if (n >= TAG_SLOTS / 2) {
        PyErr_SetString(PyExc_ValueError, "too many tags");
        return -1;
    }
    w->tags = PyMem_Calloc(n ? n : 1, sizeof(TagInfo));
    w->roles = PyMem_Calloc(PyDict_Size(roles) ? PyDict_Size(roles) : 1, sizeof(RoleInfo));
    if (!w->tags || !w->roles) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(tags, &pos, &key, &value)) {
        TagInfo *t = &w->tags[w->ntags];
        if (read_entry(key, value, "tag names", &t->name, &t->kinds, &t->bit) < 0)
            return -1;
        Py_INCREF(key);
        t->str = key;
        *tag_slot(w, t->name) = (int)++w->ntags; /* dict keys: never there yet */
    }
    pos = 0;
    while (PyDict_Next(roles, &pos, &key, &value)) {
        RoleInfo *r = &w->roles[w->nroles];
        if (read_entry(key, value, "roles", &r->name, &r->bit, &r->overlay) < 0)
            return -1;
        w->nroles++;
    }
    Py_INCREF(attr_bits);
    w->attr_bits = attr_bits;
    Py_INCREF(set_match);
    w->set_match = set_match;
    w->attr_bit0 = attr_bit0;
    if (!(w->memo = PyMem_Calloc(MEMO_SLOTS, sizeof(MemoSlot)))) {
        PyErr_NoMemory();
        return -1;
    }
    w->div = PyUnicode_InternFromString("div");
    w->empty = PyUnicode_InternFromString("");
    if (!w->div || !w->empty)
        return -1;
    w->link_flag = link_flag;
    w->overlay_bit = overlay_bit;
    w->article_bit = article_bit;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The walk                                                                   */

typedef struct {
    uint64_t flags;
    int is_block;
    int skipped;            /* a skipped element (its subtree is not visited) */
    const xmlChar *cls;     /* its class value (NULL: none or empty) */
    Py_ssize_t cand;        /* its overlay candidate, or -1 */
} Open;

typedef struct {
    PyObject *tag;          /* borrowed: a tag's str or "div" */
    uint64_t flags;
    Py_ssize_t link_words;
    Py_ssize_t depth;
    const xmlChar *name;    /* for the signature: tag, class, parent's class (NULL: the empty signature) */
    const xmlChar *cls;
    const xmlChar *pcls;
    Py_ssize_t number;
} Open_block;

typedef struct {
    Walker *w;
    xmlNode *root;
    struct LxmlDocument *doc;  /* the root's document, for element proxies */
    Open *open;
    Py_ssize_t nopen, capopen;
    Open_block *stack;
    Py_ssize_t nstack, capstack;
    Py_ssize_t numbers;     /* block elements numbered so far, plus one */
    Buf buf, norm, scratch; /* the block's text as read, whitespace-normalised; a signature or key */
    PyObject *blocks;       /* list of tuples of cleaner.blocks.Block's fields (words and key 0, None: not ASCII) */
    PyObject *overlays;     /* list of [element, first, end] */
    int unsupported;        /* met something only the Python walk models */
} State;

#define GROW(arr, n, cap)                                                     \
    do {                                                                      \
        if ((n) == (cap)) {                                                   \
            Py_ssize_t c_ = (cap) ? 2 * (cap) : 64;                           \
            void *p_ = PyMem_Realloc((arr), c_ * sizeof(*(arr)));             \
            if (!p_) {                                                        \
                PyErr_NoMemory();                                             \
                return -1;                                                    \
            }                                                                 \
            (arr) = p_;                                                       \
            (cap) = c_;                                                       \
        }                                                                     \
    } while (0)

static PyObject *decode(const char *s, Py_ssize_t n)
{
    return PyUnicode_DecodeUTF8(s, n, NULL);
}

/* The value of an attribute as lxml's get() reads it; *ok = 0 if it is not one plain text node (then
 * only the Python walk can read it) or not UTF-8. */
static const xmlChar *attr_text(const xmlAttr *a, int *ok)
{
    if (a->children == NULL)
        return (const xmlChar *)"";
    if (a->children->type != XML_TEXT_NODE || a->children->next != NULL) {
        *ok = 0;
        return NULL;
    }
    const xmlChar *v = a->children->content ? a->children->content : (const xmlChar *)"";
    *ok &= valid_utf8(v);
    return v;
}

typedef struct {
    const xmlChar *role, *cls, *id, *modal; /* NULL: absent */
} Attrs;

/* The attributes the walk reads (the first of each name, without a namespace, as xmlGetNoNsProp finds it):
 * 0, or -1 if one cannot be read as lxml reads it. */
static int read_attrs(const xmlNode *node, Attrs *at)
{
    int ok = 1;
    memset(at, 0, sizeof(*at));
    for (const xmlAttr *a = node->properties; a; a = a->next) {
        if (a->ns != NULL)
            continue;
        const char *name = (const char *)a->name;
        const xmlChar **slot = NULL;
        switch (name[0]) {
        case 'r': slot = strcmp(name, "role") == 0 ? &at->role : NULL; break;
        case 'c': slot = strcmp(name, "class") == 0 ? &at->cls : NULL; break;
        case 'i': slot = name[1] == 'd' && name[2] == 0 ? &at->id : NULL; break;
        case 'a': slot = strcmp(name, "aria-modal") == 0 ? &at->modal : NULL; break;
        }
        if (slot && !*slot)
            *slot = attr_text(a, &ok);
    }
    return ok ? 0 : -1;
}

/* Append the text of the run of text nodes starting at `node` (an element's text: its first
 * child; its tail: its next sibling) to the buffer; its words count as link words if `link`.
 * (The Python walk leaves out white space that would open the buffer: flush() drops it anyway.) */
static int add_text(State *st, xmlNode *node, int link)
{
    Py_ssize_t start = st->buf.len;
    for (; node && (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE); node = node->next) {
        if (node->content && buf_add(&st->buf, (const char *)node->content, strlen((const char *)node->content)) < 0)
            return -1;
    }
    if (node && (node->type == XML_XINCLUDE_START || node->type == XML_XINCLUDE_END)) {
        st->unsupported = 1;
        return 0;
    }
    if (st->buf.len == start)
        return 0;
    if (link) {
        Py_ssize_t words = utf8_words((const unsigned char *)st->buf.data + start, st->buf.len - start);
        if (words < 0) {
            st->unsupported = 1;
            return 0;
        }
        st->stack[st->nstack - 1].link_words += words;
    }
    return 0; /* the text is checked to be UTF-8 when it is flushed */
}

static int add_sig_part(Buf *b, const xmlChar *s)
{
    return s ? buf_add(b, (const char *)s, strlen((const char *)s)) : 0;
}

/* The key of an ASCII block's normalised text: its words lower-cased and joined by spaces, built in
 * scratch; *words gets their number. */
static PyObject *ascii_key(Buf *scratch, const Buf *text, Py_ssize_t *words)
{
    scratch->len = 0;
    if (buf_reserve(scratch, text->len) < 0)
        return NULL;
    const unsigned char *t = (const unsigned char *)text->data;
    char *k = scratch->data;
    Py_ssize_t m = 0;
    int in_word = 0;
    *words = 0;
    for (Py_ssize_t i = 0; i < text->len; i++) {
        unsigned char c = t[i];
        if (is_word(c)) {
            if (!in_word) {
                if (*words)
                    k[m++] = ' ';
                ++*words;
            }
            k[m++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c;
            in_word = 1;
        } else {
            in_word = 0;
        }
    }
    return PyUnicode_DecodeASCII(k, m, NULL);
}

/* The Python walk's flush(): the buffer, whitespace-normalised, becomes a block if it holds a word. */
static int flush(State *st)
{
    Open_block *top = &st->stack[st->nstack - 1];
    const unsigned char *s = (const unsigned char *)st->buf.data;
    Py_ssize_t n = st->buf.len;
    st->norm.len = 0;
    int has_word = 0, pending_space = 0, ascii = 1;
    if (buf_reserve(&st->norm, n) < 0)
        return -1;
    unsigned char *out = (unsigned char *)st->norm.data;
    Py_ssize_t m = 0;
    for (Py_ssize_t i = 0; i < n;) {
        Py_UCS4 c = s[i];
        Py_ssize_t next = i + 1;
        if (c >= 0x80) {
            ascii = 0;
            if ((next = utf8_next(s, n, i, &c)) < 0) {
                st->unsupported = 1;
                return 0;
            }
        }
        if (Py_UNICODE_ISSPACE(c)) {
            pending_space = m > 0;
        } else {
            if (pending_space)
                out[m++] = ' ';
            pending_space = 0;
            while (i < next)
                out[m++] = s[i++];
            has_word |= is_word(c);
        }
        i = next;
    }
    st->norm.len = m;
    st->buf.len = 0;
    Py_ssize_t link_words = top->link_words;
    top->link_words = 0;
    if (!has_word)
        return 0;
    PyObject *sig;
    if (top->name) {
        st->scratch.len = 0;
        if (add_sig_part(&st->scratch, top->name) < 0 || buf_add(&st->scratch, ".", 1) < 0
            || add_sig_part(&st->scratch, top->cls) < 0 || buf_add(&st->scratch, ".", 1) < 0
            || add_sig_part(&st->scratch, top->pcls) < 0)
            return -1;
        sig = decode(st->scratch.data, st->scratch.len);
    } else {
        sig = Py_NewRef(st->w->empty);
    }
    Py_ssize_t words = 0;
    PyObject *text = sig ? decode(st->norm.data, st->norm.len) : NULL;
    PyObject *key = !text ? NULL : ascii ? ascii_key(&st->scratch, &st->norm, &words) : Py_NewRef(Py_None);
    if (!key) {
        Py_XDECREF(sig);
        Py_XDECREF(text);
        return -1;
    }
    if (ascii && link_words > words)
        link_words = words;
    PyObject *item = Py_BuildValue("(NOnnKnNNnn)", text, top->tag, words, link_words, (unsigned long long)top->flags,
                                   top->depth, sig, key, st->stack[st->nstack - 2].number,
                                   st->stack[st->nstack - 3].number);
    if (!item)
        return -1;
    int rc = PyList_Append(st->blocks, item);
    Py_DECREF(item);
    return rc;
}

static int flush_if(State *st)
{
    return st->buf.len ? flush(st) : 0;
}

/* Whether the memo holds s[0:n] (hash h): then *i is its slot, else the empty slot where it would go. */
static int memo_find(const Walker *w, const char *s, Py_ssize_t n, uint64_t h, Py_ssize_t *i)
{
    for (*i = (Py_ssize_t)(h & (MEMO_SLOTS - 1)); w->memo[*i].used; *i = (*i + 1) & (MEMO_SLOTS - 1)) {
        const MemoSlot *m = &w->memo[*i];
        if (m->hash == h && m->len == n && memcmp(w->memo_keys.data + m->key, s, n) == 0)
            return 1;
    }
    return 0;
}

/* The bits of one class/id word s[0:n] (no ASCII white space): attr_bits(word), or for an ASCII word the
 * Set's groups of its lower-cased bytes (what attr_bits computes, without its Python frames). */
static int word_bits(State *st, const char *s, Py_ssize_t n, uint64_t *bits)
{
    Walker *w = st->w;
    int ascii = 1;
    for (Py_ssize_t i = 0; i < n; i++)
        ascii &= (unsigned char)s[i] < 0x80;
    PyObject *value;
    if (ascii && w->set_match != Py_None) {
        PyObject *lower = PyBytes_FromStringAndSize(NULL, n);
        if (!lower)
            return -1;
        char *p = PyBytes_AS_STRING(lower);
        for (Py_ssize_t i = 0; i < n; i++)
            p[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
        PyObject *groups = PyObject_CallOneArg(w->set_match, lower);
        Py_DECREF(lower);
        if (!groups)
            return -1;
        *bits = 0;
        PyObject *seq = groups == Py_None ? NULL : PySequence_Fast(groups, "Set.Match must give a sequence");
        Py_DECREF(groups);
        if (!seq)
            return PyErr_Occurred() ? -1 : 0;
        for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(seq); k++) {
            long g = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, k));
            if (g == -1 && PyErr_Occurred()) {
                Py_DECREF(seq);
                return -1;
            }
            if (g < 0 || g + w->attr_bit0 > 63) {
                Py_DECREF(seq);
                PyErr_SetString(PyExc_ValueError, "Set.Match gave a group past the flag bits");
                return -1;
            }
            *bits |= (uint64_t)1 << (w->attr_bit0 + g);
        }
        Py_DECREF(seq);
        return 0;
    }
    PyObject *text = decode(s, n);
    value = text ? PyObject_CallOneArg(w->attr_bits, text) : NULL;
    Py_XDECREF(text);
    if (!value)
        return -1;
    *bits = PyLong_AsUnsignedLongLong(value);
    Py_DECREF(value);
    return PyErr_Occurred() ? -1 : 0;
}

/* The bits of one word, remembered by the Walker. */
static int memo_bits(State *st, const char *s, Py_ssize_t n, uint64_t *bits)
{
    Walker *w = st->w;
    uint64_t h = bytes_hash(s, n);
    Py_ssize_t i;
    if (memo_find(w, s, n, h, &i)) {
        *bits = w->memo[i].bits;
        return 0;
    }
    if (word_bits(st, s, n, bits) < 0)
        return -1;
    /* the call ran Python code: another thread may have used the memo meanwhile, so look again */
    if (memo_find(w, s, n, h, &i))
        return 0;
    if (w->memo_used >= MEMO_SLOTS / 2) { /* start again */
        memset(w->memo, 0, MEMO_SLOTS * sizeof(MemoSlot));
        w->memo_used = 0;
        w->memo_keys.len = 0;
        memo_find(w, s, n, h, &i);
    }
    MemoSlot *m = &w->memo[i];
    m->key = w->memo_keys.len;
    if (buf_add(&w->memo_keys, s, n) < 0)
        return -1;
    m->hash = h;
    m->len = n;
    m->bits = *bits;
    m->used = 1;
    w->memo_used++;
    return 0;
}

static int is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The ATTR_GROUPS bits of the element's class and id, as the Python walk's attr_bits(class + " " + id)
 * gives them: no group's pattern matches ASCII white space (tests/test_tree_walk.py checks), so the
 * bits of a string are those of its words ORed, and each word's are remembered. */
static int class_bits(State *st, const xmlChar *cls, const xmlChar *ident, uint64_t *bits)
{
    *bits = 0;
    const xmlChar *parts[2] = {cls, ident};
    for (int k = 0; k < 2; k++) {
        const char *s = (const char *)parts[k];
        if (!s)
            continue;
        while (*s) {
            while (*s && is_ascii_space(*s))
                s++;
            const char *e = s;
            while (*e && !is_ascii_space(*e))
                e++;
            if (e > s) {
                uint64_t b;
                if (memo_bits(st, s, e - s, &b) < 0)
                    return -1;
                *bits |= b;
            }
            s = e;
        }
    }
    return 0;
}

/* The "start" event of element `node`. */
static int start(State *st, xmlNode *node)
{
    Walker *w = st->w;
    GROW(st->open, st->nopen, st->capopen);
    Open *parent = &st->open[st->nopen - 1];
    Open *self = &st->open[st->nopen];
    if (node->ns != NULL) { /* lxml names it "{uri}name" */
        st->unsupported = 1;
        return 0;
    }
    if (!valid_utf8(node->name)) { /* lxml could not read its tag */
        st->unsupported = 1;
        return 0;
    }
    const TagInfo *tag = tag_info(w, (const char *)node->name);
    int kinds = tag ? tag->kinds : 0;
    if (kinds & T_SKIP) {
        self->skipped = 1;
        st->nopen++;
        return 0;
    }
    uint64_t flags = parent->flags;
    if (tag && tag->bit >= 0)
        flags |= (uint64_t)1 << tag->bit;
    Attrs at;
    if (read_attrs(node, &at) < 0) {
        st->unsupported = 1;
        return 0;
    }
    const xmlChar *role = at.role, *cls = at.cls, *ident = at.id, *modal = at.modal;
    int overlay = 0;
    if (role) {
        for (Py_ssize_t i = 0; i < w->nroles; i++) {
            if (strcmp(w->roles[i].name, (const char *)role) == 0) {
                if (w->roles[i].bit >= 0)
                    flags |= (uint64_t)1 << w->roles[i].bit;
                overlay = w->roles[i].overlay;
                break;
            }
        }
    }
    if (kinds & T_ARTICLE)
        flags |= w->article_bit;
    if (cls && !*cls)
        cls = NULL;
    int is_block = (kinds & (T_BLOCK | T_DIV)) != 0;
    if (cls || (ident && *ident)) {
        uint64_t bits;
        if (class_bits(st, cls, ident, &bits) < 0)
            return -1;
        if (bits & w->overlay_bit) {
            overlay = 1;
            bits ^= w->overlay_bit;
        }
        flags |= bits;
        if (!is_block)
            st->stack[st->nstack - 1].flags |= bits;
    }
    if (modal && strcmp((const char *)modal, "true") == 0)
        overlay = 1;
    self->cand = -1;
    if (overlay && !(kinds & T_KEEP)) {
        if (flush_if(st) < 0)
            return -1;
        PyObject *el = (PyObject *)elementFactory(st->doc, node);
        Py_ssize_t n = PyList_GET_SIZE(st->blocks);
        PyObject *item = el ? Py_BuildValue("[Nnn]", el, n, n) : NULL;
        if (!item || PyList_Append(st->overlays, item) < 0) {
            Py_XDECREF(item);
            return -1;
        }
        Py_DECREF(item);
        self->cand = PyList_GET_SIZE(st->overlays) - 1;
    }
    if (is_block) {
        if (flush_if(st) < 0)
            return -1;
        GROW(st->stack, st->nstack, st->capstack);
        Open_block *b = &st->stack[st->nstack++];
        b->tag = (kinds & T_BLOCK) ? tag->str : w->div;
        b->flags = flags;
        b->link_words = 0;
        b->depth = st->nopen;
        b->name = node->name;
        b->cls = cls;
        b->pcls = parent->cls;
        b->number = st->numbers++;
    }
    self->flags = flags;
    self->is_block = is_block;
    self->skipped = 0;
    self->cls = cls;
    st->nopen++;
    return add_text(st, node->children, (flags & w->link_flag) != 0);
}

/* The "end" event of element `node`, then its tail. */
static int end(State *st, xmlNode *node)
{
    Open *self = &st->open[--st->nopen];
    if (!self->skipped) {
        if (self->is_block) {
            if (flush_if(st) < 0)
                return -1;
            st->nstack--;
        }
        if (self->cand >= 0) {
            if (flush_if(st) < 0)
                return -1;
            PyObject *stop = PyLong_FromSsize_t(PyList_GET_SIZE(st->blocks));
            if (!stop || PyList_SetItem(PyList_GET_ITEM(st->overlays, self->cand), 2, stop) < 0)
                return -1;
        }
    }
    if (node == st->root)
        return 0;
    return add_text(st, node->next, (st->open[st->nopen - 1].flags & st->w->link_flag) != 0);
}

/* The first element from n on among its siblings into *out (NULL at the end); the comments and
 * processing instructions passed on the way get their iterwalk events (their tails are text).
 * 0 to go on, 1 where the walk is unsupported, -1 on error. */
static int next_element(State *st, xmlNode *n, xmlNode **out)
{
    *out = NULL;
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            *out = n;
            break;
        }
        if (n->type == XML_ENTITY_REF_NODE) {
            st->unsupported = 1;
            break;
        }
        if ((n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE)
            && add_text(st, n->next, (st->open[st->nopen - 1].flags & st->w->link_flag) != 0) < 0)
            return -1;
        if (st->unsupported) /* add_text met text it does not model */
            break;
    }
    return st->unsupported ? 1 : 0;
}

static int run(State *st)
{
    xmlNode *node = st->root, *next;
    int rc;
    for (;;) {
        /* node: an element to start */
        if (start(st, node) < 0)
            return -1;
        if (st->unsupported)
            return 0;
        if ((rc = next_element(st, st->open[st->nopen - 1].skipped ? NULL : node->children, &next)) != 0)
            return rc < 0 ? -1 : 0;
        if (next) {
            node = next;
            continue;
        }
        /* no element child left: end this one, then move to the next sibling of it or an ancestor */
        for (;;) {
            if (end(st, node) < 0)
                return -1;
            if (st->unsupported || node == st->root)
                return 0;
            if ((rc = next_element(st, node->next, &next)) != 0)
                return rc < 0 ? -1 : 0;
            if (next) {
                node = next;
                break;
            }
            node = node->parent;
        }
    }
}

/* walk(root, element_type) -> (blocks, overlays) or None */
static PyObject *Walker_walk(Walker *w, PyObject *args)
{
    PyObject *root;
    PyTypeObject *element_type;
    if (!PyArg_ParseTuple(args, "OO!", &root, &PyType_Type, &element_type))
        return NULL;
    if (!PyObject_TypeCheck(root, element_type)) {
        PyErr_SetString(PyExc_TypeError, "walk() expects an lxml element");
        return NULL;
    }
    xmlNode *node = ((struct LxmlElement *)root)->_c_node;
    if (node == NULL || node->type != XML_ELEMENT_NODE)
        Py_RETURN_NONE;
    State st = {0};
    st.w = w;
    st.root = node;
    st.doc = ((struct LxmlElement *)root)->_doc;
    PyObject *result = NULL;
    st.blocks = PyList_New(0);
    st.overlays = PyList_New(0);
    if (!st.blocks || !st.overlays)
        goto done;
    /* the Python walk's starting state: one open element, three open blocks */
    st.capopen = 64;
    st.capstack = 64;
    st.open = PyMem_Calloc(st.capopen, sizeof(Open));
    st.stack = PyMem_Calloc(st.capstack, sizeof(Open_block));
    if (!st.open || !st.stack) {
        PyErr_NoMemory();
        goto done;
    }
    st.open[0].cand = -1;
    st.nopen = 1;
    for (int i = 0; i < 3; i++)
        st.stack[i].tag = w->div;
    st.nstack = 3;
    st.numbers = 1;
    if (run(&st) < 0)
        goto done;
    if (!st.unsupported && flush_if(&st) < 0)
        goto done;
    if (st.unsupported) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    result = PyTuple_Pack(2, st.blocks, st.overlays);
done:
    Py_XDECREF(st.blocks);
    Py_XDECREF(st.overlays);
    PyMem_Free(st.open);
    PyMem_Free(st.stack);
    PyMem_Free(st.buf.data);
    PyMem_Free(st.norm.data);
    PyMem_Free(st.scratch.data);
    return result;
}

static PyMethodDef Walker_methods[] = {
    {"walk", (PyCFunction)Walker_walk, METH_VARARGS,
     "walk(root, element_type) -> (blocks as cleaner.blocks.Block's fields, words and key 0 and None where the "
     "text is not ASCII, "
     "overlay candidates as [element, first block, end block]), or None where only the "
     "Python walk applies"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject WalkerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_cleaner_tree.Walker",
    .tp_basicsize = sizeof(Walker),
    .tp_dealloc = (destructor)Walker_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Walker(tags, roles, attr_bits, set_match, attr_bit0, link_flag, overlay_bit, article_bit): "
              "cleaner.blocks.walk in C",
    .tp_methods = Walker_methods,
    .tp_init = (initproc)Walker_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_cleaner_tree", "cleaner.blocks.walk over lxml's libxml2 tree, in C.", -1, NULL,
};

PyMODINIT_FUNC PyInit__cleaner_tree(void)
{
    if (import_lxml__etree() < 0 || PyType_Ready(&WalkerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (!m)
        return NULL;
    Py_INCREF(&WalkerType);
    if (PyModule_AddObject(m, "Walker", (PyObject *)&WalkerType) < 0) {
        Py_DECREF(&WalkerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
