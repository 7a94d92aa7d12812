/* residue(): what is left of the lines that removals start or end on.
 *
 * The C twin of cleaner/pipeline.py's _residue_lines; included by
 * cleaner_native.c, which defines is_ws(). Linear in the text and the
 * removals (after sorting the removals).
 */

typedef struct {
    Py_ssize_t pos;  /* a removal's start or end */
    Py_ssize_t rank; /* that removal's place in start order (ties: input order) */
} Mark;

typedef struct {
    Py_ssize_t start, end, index; /* a removal and its place in the input */
} Removal;

static int removal_cmp(const void *x, const void *y)
{
    const Removal *a = x, *b = y;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static int mark_cmp(const void *x, const void *y)
{
    const Mark *a = x, *b = y;
    if (a->pos != b->pos)
        return a->pos < b->pos ? -1 : 1;
    return a->rank < b->rank ? -1 : a->rank > b->rank;
}

/* The line's kept pieces as a list of (start, end), the pieces' words joined
 * by single spaces in *rest (a new str, or NULL if no piece holds a letter or
 * digit). NULL with an exception set on failure; an empty list if nothing but
 * whitespace is kept. */
static PyObject *line_pieces(PyObject *text, const Py_ssize_t *spans, Py_ssize_t m, Py_ssize_t *next,
                             Py_ssize_t line_start, Py_ssize_t line_end, PyObject **rest)
{
    int kind = PyUnicode_KIND(text);
    const void *d = PyUnicode_DATA(text);
    Py_ssize_t bounds[2 * 64], *piece = bounds, npieces = 0, cap = 64, kept = 0;
    int alnum = 0;
    PyObject *out = NULL;
    *rest = NULL;
    while (*next < m && spans[2 * *next + 1] <= line_start) /* the first span ending after the line starts */
        (*next)++;
    Py_ssize_t i = *next, pos = line_start;
    for (;;) {
        Py_ssize_t a = pos, b = line_end;
        int last = !(i < m && spans[2 * i] < line_end);
        if (!last) {
            b = spans[2 * i] > line_start ? spans[2 * i] : line_start;
            pos = spans[2 * i + 1] < line_end ? spans[2 * i + 1] : line_end;
            i++;
        }
        int blank = 1;
        for (Py_ssize_t k = a; k < b; k++) {
            Py_UCS4 c = READ(kind, d, k);
            if (!is_ws(c)) {
                blank = 0;
                if (!alnum && Py_UNICODE_ISALNUM(c))
                    alnum = 1;
            }
        }
        if (b > a && !blank) {
            if (npieces == cap) {
                Py_ssize_t *bigger = PyMem_Malloc(4 * cap * sizeof(Py_ssize_t));
                if (!bigger)
                    goto fail;
                memcpy(bigger, piece, 2 * cap * sizeof(Py_ssize_t));
                if (piece != bounds)
                    PyMem_Free(piece);
                piece = bigger;
                cap *= 2;
            }
            piece[2 * npieces] = a;
            piece[2 * npieces + 1] = b;
            npieces++;
            kept += b - a + 1;
        }
        if (last)
            break;
    }
    out = PyList_New(npieces);
    if (!out)
        goto fail;
    for (Py_ssize_t k = 0; k < npieces; k++) {
        PyObject *pair = Py_BuildValue("(nn)", piece[2 * k], piece[2 * k + 1]);
        if (!pair)
            goto fail;
        PyList_SET_ITEM(out, k, pair);
    }
    if (alnum) {
        Py_UCS4 *buf = PyMem_Malloc((kept + 1) * sizeof(Py_UCS4));
        Py_ssize_t len = 0;
        if (!buf) {
            PyErr_NoMemory();
            goto fail;
        }
        for (Py_ssize_t k = 0; k < npieces; k++) {
            int gap = len > 0; /* a space before the next word */
            for (Py_ssize_t j = piece[2 * k]; j < piece[2 * k + 1]; j++) {
                Py_UCS4 c = READ(kind, d, j);
                if (is_ws(c)) {
                    gap = len > 0;
                    continue;
                }
                if (gap)
                    buf[len++] = ' ';
                gap = 0;
                buf[len++] = c;
            }
        }
        *rest = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, len);
        PyMem_Free(buf);
        if (!*rest)
            goto fail;
    }
    if (piece != bounds)
        PyMem_Free(piece);
    return out;
fail:
    if (piece != bounds)
        PyMem_Free(piece);
    Py_XDECREF(out);
    return NULL;
}

static PyObject *residue(PyObject *module, PyObject *args)
{
    PyObject *text, *cuts;
    if (!PyArg_ParseTuple(args, "UO!", &text, &PyList_Type, &cuts))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), ncuts = PyList_GET_SIZE(cuts), m = 0;
    PyObject *out = PyList_New(0);
    if (!out || ncuts == 0)
        return out;
    Removal *order = PyMem_Malloc(ncuts * sizeof(Removal));
    Mark *marks = PyMem_Malloc(2 * ncuts * sizeof(Mark));
    Py_ssize_t *spans = PyMem_Malloc(2 * ncuts * sizeof(Py_ssize_t));
    if (!order || !marks || !spans) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t k = 0; k < ncuts; k++) {
        PyObject *cut = PyList_GET_ITEM(cuts, k);
        if (!PyTuple_Check(cut) || PyTuple_GET_SIZE(cut) < 4) {
            PyErr_SetString(PyExc_TypeError, "removals must be (start, end, rule, category) tuples");
            goto fail;
        }
        Py_ssize_t a = PyLong_AsSsize_t(PyTuple_GET_ITEM(cut, 0));
        Py_ssize_t b = PyLong_AsSsize_t(PyTuple_GET_ITEM(cut, 1));
        if ((a == -1 || b == -1) && PyErr_Occurred())
            goto fail;
        if (a < 0 || b < a || b > n) {
            PyErr_SetString(PyExc_ValueError, "removals must lie within the text, start <= end");
            goto fail;
        }
        order[k] = (Removal){a, b, k};
    }
    qsort(order, ncuts, sizeof(Removal), removal_cmp);
    for (Py_ssize_t k = 0; k < ncuts; k++) { /* merge_spans: overlapping or touching spans join */
        if (m && order[k].start <= spans[2 * m - 1]) {
            if (order[k].end > spans[2 * m - 1])
                spans[2 * m - 1] = order[k].end;
        } else {
            spans[2 * m] = order[k].start;
            spans[2 * m + 1] = order[k].end;
            m++;
        }
        marks[2 * k] = (Mark){order[k].start, k};
        marks[2 * k + 1] = (Mark){order[k].end, k};
    }
    /* Each position's owner is the first removal (in start order) that starts or ends there;
     * each line's first removal is the owner with the smallest start (the first one seen on ties). */
    qsort(marks, 2 * ncuts, sizeof(Mark), mark_cmp);
    Py_ssize_t next = 0, prev_pos = 0, line = -1, first = -1;
    for (Py_ssize_t k = 0; k <= 2 * ncuts; k++) {
        Py_ssize_t start = 0;
        if (k < 2 * ncuts) {
            if (k > 0 && marks[k].pos == marks[k - 1].pos)
                continue;
            Py_ssize_t nl = PyUnicode_FindChar(text, '\n', prev_pos, marks[k].pos, -1);
            if (nl == -2)
                goto fail;
            start = nl < 0 ? line : nl + 1;
            if (line < 0 && nl < 0)
                start = 0;
            prev_pos = marks[k].pos;
            if (start == line) {
                if (order[marks[k].rank].start < order[first].start)
                    first = marks[k].rank;
                continue;
            }
        }
        if (line >= 0) { /* the line is complete: its residue */
            Py_ssize_t end = PyUnicode_FindChar(text, '\n', line, n, 1);
            if (end == -2)
                goto fail;
            PyObject *rest, *pieces = line_pieces(text, spans, m, &next, line, end < 0 ? n : end, &rest);
            if (!pieces)
                goto fail;
            PyObject *item = NULL;
            if (PyList_GET_SIZE(pieces) == 0) {
                Py_DECREF(pieces);
            } else if (rest == NULL) {
                PyObject *category = PyTuple_GET_ITEM(PyList_GET_ITEM(cuts, order[first].index), 3);
                item = PyTuple_Pack(3, pieces, category, Py_None);
                Py_DECREF(pieces);
            } else {
                PyObject *utf8 = PyUnicode_AsUTF8String(rest);
                Py_DECREF(rest);
                item = utf8 ? PyTuple_Pack(3, pieces, Py_None, utf8) : NULL;
                Py_DECREF(pieces);
                Py_XDECREF(utf8);
                if (!item)
                    goto fail;
            }
            if (item) {
                int rc = PyList_Append(out, item);
                Py_DECREF(item);
                if (rc < 0)
                    goto fail;
            } else if (PyErr_Occurred()) {
                goto fail;
            }
        }
        if (k < 2 * ncuts) {
            line = start;
            first = marks[k].rank;
        }
    }
    PyMem_Free(order);
    PyMem_Free(marks);
    PyMem_Free(spans);
    return out;
fail:
    PyMem_Free(order);
    PyMem_Free(marks);
    PyMem_Free(spans);
    Py_DECREF(out);
    return NULL;
}

#define RESIDUE_METHODS                                                                                    \
    {"residue", (PyCFunction)residue, METH_VARARGS,                                                         \
     "residue(text, removals) -> (pieces, category, rest) for each line a removal starts or ends on that " \
     "keeps more than whitespace: its kept (start, end) pieces; the category of its first removal and "    \
     "rest None if no piece holds a letter or digit, else category None and rest the pieces' words "      \
     "joined by single spaces, in UTF-8"},
