/* score.h: the text classifier's page scoring in C, included by cleaner_native.c.
 *
 * A Scorer (made by scorer(), see score_new) holds the two stages of the model
 * as cleaner/classify.py prepares them at load time: for each input column of
 * a stage, which computed column it reads (score_columns() names them, in the
 * order of the SC_ enum below), a shift in lines or a window half-width, the
 * value past the page's ends, and its bin edges; for each table, its two
 * columns, its offset into one array of cells and its stride. For one page's
 * per-line primitives (the int64 matrix of Lexicon.page) Scorer.spans()
 * computes what classify.py's numpy code computes: line_features, stage 1,
 * context_features, stage 2, the threshold tree and the keep mask; and returns
 * the dropped runs of lines as (start, end) offsets. Every floating-point step
 * follows the numpy code's operations in the same order (sequential sums where
 * numpy sums sequentially, its pairwise sum where it sums pairwise), so the
 * scores are the same bits; tests/test_classify_native.py compares the two. */

/* The computed columns. Line columns (stage 1, and stage 2's copy of them) first. */
enum {
    SC_LEN, SC_NW, SC_STOP, SC_NSEP, SC_PUNCT, SC_DOTSP, SC_TERM, SC_TITLE, SC_DUP, SC_BLANK, SC_AFTER,
    SC_BLOCK, SC_INBLOCK, SC_POS, SC_LANG, SC_NLINES, SC_PAGEWORDS, SC_BLOCKWORDS, SC_BLOCKMAXLEN,
    SC_BLOCKSTOP,
    /* stage 2: from the stage-1 scores */
    SC_S, SC_W, SC_MASSBEFORE, SC_MASSAFTER, SC_STRONGBEFORE, SC_STRONGAFTER, SC_DPREV, SC_DNEXT,
    SC_BMEAN, SC_BMAX, SC_BMIN, SC_PSTRONG, SC_PPOS, SC_ZSHARE, SC_INBIG, SC_AFTERBIG, SC_BEFOREBIG,
    SC_ZMASSBEFORE, SC_BIGSHARE, SC_NZONES,
    SC_COUNT
};

static const char *const score_column_names[SC_COUNT] = {
    "len", "nw", "stop", "nsep", "punct", "dotsp", "term", "title", "dup", "blank", "after",
    "block", "inblock", "pos", "lang", "nlines", "pagewords", "blockwords", "blockmaxlen",
    "blockstop",
    "s", "w", "massbefore", "massafter", "strongbefore", "strongafter", "dprev", "dnext",
    "bmean", "bmax", "bmin", "pstrong", "ppos", "zshare", "inbig", "afterbig", "beforebig",
    "zmassbefore", "bigshare", "nzones",
};

/* The primitives the scorer reads, in the order scorer() is given their rows. */
enum { PR_START, PR_END, PR_LEN, PR_WORDS, PR_STOP, PR_SEP, PR_COMMA, PR_DOTSP, PR_TERM, PR_TITLE, PR_DUP,
       PR_BLANK, PR_COUNT };

/* Lines summed together, table by table (numpy's order), while their codes stay in cache. */
#define SC_BLOCK_LINES 128
/* Tables added to a line's sum per pass over a block. */
#define SC_PASS 8

typedef struct {
    int src;      /* SC_* */
    int k;        /* lines to shift by (out[i] = col[i - k]); for SC_W the window's half-width */
    double fill;  /* value of a shifted column past the page's ends */
    int half;     /* bins by a branchless search: half a power of two above the edge count, 0: no edges */
    Py_ssize_t e; /* offset of the edges (padded with +inf to 2 * half - 1) */
    int bins;     /* edges + 1 */
    int row;      /* its row in the page's matrix of bin codes (shared by the stages) */
    int own;      /* whether this stage bins it (0: an earlier stage did, with the same edges) */
} ScColumn;

typedef struct {
    int ncols, ntables;
    ScColumn *cols;
    double *edges;
    /* After score_new: ta, tb rows of the codes (tb == ncodes: the constant column); the values repacked
     * so that a table's cell (i, j) is at toff + (i << shift) + j. */
    int32_t *ta, *tb, *toff, *tstride;
    double *values;
    double bias;
} ScStage;

typedef struct {
    int32_t feature; /* index into cutoffs; -1: a leaf */
    int32_t left, right;
    double value, threshold;
} ScNode;

typedef struct {
    PyObject_HEAD
    ScStage st[2];
    int ncodes;      /* rows of bin codes: the stages' distinct columns */
    int shift;       /* log2 of a power of two >= every column's bins: the row stride of the repacked tables */
    int rows[PR_COUNT], nrows;
    Py_ssize_t min_lines, min_words, head_lines, far, zone_far, max_zones;
    double min_keep_share, min_remove_share, clip, strong;
    ScNode *tree;
    int ntree;
    double *cutoffs;
    int ncutoffs;
    char *work; /* scratch for one page, grown as needed */
    size_t capwork;
} Scorer;

/* One page being scored: its primitives and every computed column. */
typedef struct {
    Py_ssize_t n;
    const int64_t *p[PR_COUNT];
    int lang;
    double *col[SC_COUNT]; /* col[SC_W]: the running sums of s (n + 1) windows are computed from */
    double *tmp, *acc, *score1, *score2, *pairs;
    Py_ssize_t *bid, *firsts, *zid;
    Py_ssize_t nblocks;
    uint16_t *codes; /* bin codes, a row per distinct column (n each) and a row of zeros */
    int64_t total; /* words on the page */
} ScPage;

static void sc_stage_free(ScStage *s)
{
    PyMem_Free(s->cols);
    PyMem_Free(s->edges);
    PyMem_Free(s->ta);
    PyMem_Free(s->tb);
    PyMem_Free(s->toff);
    PyMem_Free(s->tstride);
    PyMem_Free(s->values);
    memset(s, 0, sizeof(*s));
}

static void Scorer_dealloc(Scorer *sc)
{
    sc_stage_free(&sc->st[0]);
    sc_stage_free(&sc->st[1]);
    PyMem_Free(sc->tree);
    PyMem_Free(sc->cutoffs);
    PyMem_Free(sc->work);
    Py_TYPE(sc)->tp_free((PyObject *)sc);
}

/* ------------------------------------------------------------------------ */
/* Building a Scorer from classify.py's prepared arrays                      */

/* A copy of a bytes-like object of `count` items of `size` bytes (count < 0: any whole number of items). */
static void *sc_copy(PyObject *obj, size_t size, Py_ssize_t *count, const char *what)
{
    Py_buffer b;
    if (PyObject_GetBuffer(obj, &b, PyBUF_SIMPLE) < 0)
        return NULL;
    void *out = NULL;
    if (b.len % size || (*count >= 0 && (size_t)b.len != (size_t)*count * size)) {
        PyErr_Format(PyExc_ValueError, "scorer: %s has the wrong size", what);
    } else {
        *count = b.len / (Py_ssize_t)size;
        out = PyMem_Malloc(b.len ? b.len : 1);
        if (!out)
            PyErr_NoMemory();
        else
            memcpy(out, b.buf, b.len);
    }
    PyBuffer_Release(&b);
    return out;
}

/* A stage from (sources int32, ks int32, fills float64, edge counts int32, edges float64,
 * a int32, b int32, offsets int32, strides int32, values float64, bias). */
static int sc_stage_init(ScStage *st, PyObject *spec)
{
    PyObject *src, *ks, *fills, *counts, *edges, *a, *b, *off, *stride, *values;
    double bias;
    if (!PyArg_ParseTuple(spec, "OOOOOOOOOOd;scorer: a stage is 10 arrays and a bias", &src, &ks, &fills,
                          &counts, &edges, &a, &b, &off, &stride, &values, &bias))
        return -1;
    Py_ssize_t ncols = -1, nedges = -1, ntables = -1, nvalues = -1;
    int32_t *s = sc_copy(src, 4, &ncols, "sources"), *k = NULL, *cnt = NULL;
    double *f = NULL, *e = NULL;
    int rc = -1;
    if (!s || !(k = sc_copy(ks, 4, &ncols, "shifts")) || !(f = sc_copy(fills, 8, &ncols, "fills"))
        || !(cnt = sc_copy(counts, 4, &ncols, "edge counts")) || !(e = sc_copy(edges, 8, &nedges, "edges")))
        goto done;
    if (!(st->ta = sc_copy(a, 4, &ntables, "tables' a")) || !(st->tb = sc_copy(b, 4, &ntables, "tables' b"))
        || !(st->toff = sc_copy(off, 4, &ntables, "offsets")) || !(st->tstride = sc_copy(stride, 4, &ntables, "strides"))
        || !(st->values = sc_copy(values, 8, &nvalues, "values")))
        goto done;
    st->ncols = (int)ncols;
    st->ntables = (int)ntables;
    st->bias = bias;
    st->cols = PyMem_Calloc(ncols ? ncols : 1, sizeof(ScColumn));
    Py_ssize_t padded = 0, used = 0;
    int *bins = PyMem_Calloc(ncols + 1, sizeof(int));
    if (!st->cols || !bins) {
        PyMem_Free(bins);
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t c = 0; c < ncols; c++) {
        if (s[c] < 0 || s[c] >= SC_COUNT || cnt[c] < 0 || cnt[c] > 255 || used + cnt[c] > nedges
            || (s[c] == SC_W && k[c] < 0)) {
            PyErr_SetString(PyExc_ValueError, "scorer: a column's source, window or edges are out of range");
            PyMem_Free(bins);
            goto done;
        }
        int half = 0;
        if (cnt[c])
            for (half = 1; 2 * half - 1 < cnt[c]; half *= 2)
                ;
        for (Py_ssize_t j = used + 1; j < used + cnt[c]; j++)
            if (!(e[j - 1] <= e[j])) {
                PyErr_SetString(PyExc_ValueError, "scorer: edges must be sorted");
                PyMem_Free(bins);
                goto done;
            }
        st->cols[c] = (ScColumn){s[c], k[c], f[c], half, padded, cnt[c] + 1, 0, 0};
        padded += half ? 2 * half - 1 : 0;
        used += cnt[c];
        bins[c] = cnt[c] + 1;
    }
    bins[ncols] = 1;
    st->edges = PyMem_Malloc((padded ? padded : 1) * sizeof(double));
    if (!st->edges) {
        PyMem_Free(bins);
        PyErr_NoMemory();
        goto done;
    }
    used = 0;
    for (Py_ssize_t c = 0; c < ncols; c++) {
        double *to = st->edges + st->cols[c].e;
        for (int j = 0; j < 2 * st->cols[c].half - 1; j++)
            to[j] = j < cnt[c] ? e[used + j] : Py_HUGE_VAL;
        used += cnt[c];
    }
    for (Py_ssize_t t = 0; t < ntables; t++) {
        int32_t ta = st->ta[t], tb = st->tb[t];
        if (ta < 0 || ta >= ncols || tb < 0 || tb > ncols || st->tstride[t] != bins[tb] || st->toff[t] < 0
            || (Py_ssize_t)st->toff[t] + (Py_ssize_t)bins[ta] * bins[tb] > nvalues) {
            PyErr_SetString(PyExc_ValueError, "scorer: a table does not fit its columns' bins");
            PyMem_Free(bins);
            goto done;
        }
    }
    PyMem_Free(bins);
    rc = 0;
done:
    PyMem_Free(s);
    PyMem_Free(k);
    PyMem_Free(f);
    PyMem_Free(cnt);
    PyMem_Free(e);
    return rc;
}

/* The tree from (features int32, values float64, lefts int32, rights int32, thresholds float64, cutoffs float64). */
static int sc_tree_init(Scorer *sc, PyObject *spec)
{
    PyObject *feat, *val, *left, *right, *thr, *cut;
    if (!PyArg_ParseTuple(spec, "OOOOOO;scorer: the tree is 6 arrays", &feat, &val, &left, &right, &thr, &cut))
        return -1;
    Py_ssize_t m = -1, nc = -1;
    int32_t *f = sc_copy(feat, 4, &m, "tree features"), *l = NULL, *r = NULL;
    double *v = NULL, *t = NULL;
    int rc = -1;
    if (!f || !(v = sc_copy(val, 8, &m, "tree values")) || !(l = sc_copy(left, 4, &m, "tree lefts"))
        || !(r = sc_copy(right, 4, &m, "tree rights")) || !(t = sc_copy(thr, 8, &m, "tree thresholds"))
        || !(sc->cutoffs = sc_copy(cut, 8, &nc, "cutoffs")))
        goto done;
    sc->ncutoffs = (int)nc;
    sc->ntree = (int)m;
    sc->tree = PyMem_Malloc((m ? m : 1) * sizeof(ScNode));
    if (!sc->tree) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        /* children come after their node, so a walk ends */
        if (f[i] >= nc || (f[i] >= 0 && (l[i] <= i || l[i] >= m || r[i] <= i || r[i] >= m))) {
            PyErr_SetString(PyExc_ValueError, "scorer: a tree node is out of range");
            goto done;
        }
        sc->tree[i] = (ScNode){f[i], l[i], r[i], v[i], t[i]};
    }
    rc = m ? 0 : -1;
    if (!m)
        PyErr_SetString(PyExc_ValueError, "scorer: the tree has no node");
done:
    PyMem_Free(f);
    PyMem_Free(v);
    PyMem_Free(l);
    PyMem_Free(r);
    PyMem_Free(t);
    return rc;
}

/* Give each distinct column (same source, shift, fill and edges) one row of codes: stage 2 reuses
 * the codes of the line columns stage 1 binned. Tables then index rows, and their values are repacked
 * with rows of 1 << shift cells (so a cell's index is (a code << shift) + b code). */
static int sc_share_rows(Scorer *sc)
{
    int nrows = 0;
    for (int s = 0; s < 2; s++) {
        ScStage *st = &sc->st[s];
        for (int c = 0; c < st->ncols; c++) {
            ScColumn *col = &st->cols[c];
            col->row = -1;
            for (int r = 0; r <= s && col->row < 0; r++) {
                const ScStage *other = &sc->st[r];
                for (int d = 0; d < (r == s ? c : other->ncols) && col->row < 0; d++) {
                    const ScColumn *o = &other->cols[d];
                    if (o->own && o->src == col->src && o->k == col->k && o->fill == col->fill && o->half == col->half
                        && !memcmp(other->edges + o->e, st->edges + col->e, (2 * col->half - 1 > 0 ? 2 * col->half - 1 : 0) * sizeof(double)))
                        col->row = o->row;
                }
            }
            if (col->row < 0) {
                col->row = nrows++;
                col->own = 1;
            }
        }
    }
    sc->ncodes = nrows;
    int most = 1;
    for (int s = 0; s < 2; s++)
        for (int c = 0; c < sc->st[s].ncols; c++)
            most = sc->st[s].cols[c].bins > most ? sc->st[s].cols[c].bins : most;
    for (sc->shift = 0; (1 << sc->shift) < most; sc->shift++)
        ;
    for (int s = 0; s < 2; s++) {
        ScStage *st = &sc->st[s];
        Py_ssize_t size = 0;
        for (int t = 0; t < st->ntables; t++)
            size += (Py_ssize_t)st->cols[st->ta[t]].bins << sc->shift;
        double *v = PyMem_Calloc(size ? size : 1, sizeof(double));
        if (!v)
            return PyErr_NoMemory(), -1;
        Py_ssize_t at = 0;
        for (int t = 0; t < st->ntables; t++) {
            int na = st->cols[st->ta[t]].bins, nb = st->tstride[t];
            for (int i = 0; i < na; i++)
                memcpy(v + at + ((Py_ssize_t)i << sc->shift), st->values + st->toff[t] + (Py_ssize_t)i * nb,
                       nb * sizeof(double));
            st->toff[t] = (int32_t)at;
            at += (Py_ssize_t)na << sc->shift;
            st->ta[t] = st->cols[st->ta[t]].row;
            st->tb[t] = st->tb[t] == st->ncols ? nrows : st->cols[st->tb[t]].row;
        }
        PyMem_Free(st->values);
        st->values = v;
    }
    return 0;
}

static PyTypeObject ScorerType;

static PyObject *score_new(PyObject *module, PyObject *args)
{
    PyObject *rows, *ints, *floats, *stage1, *stage2, *tree;
    if (!PyArg_ParseTuple(args, "OO!O!O!O!O!", &rows, &PyTuple_Type, &ints, &PyTuple_Type, &floats,
                          &PyTuple_Type, &stage1, &PyTuple_Type, &stage2, &PyTuple_Type, &tree))
        return NULL;
    if (!(ScorerType.tp_flags & Py_TPFLAGS_READY) && PyType_Ready(&ScorerType) < 0)
        return NULL;
    Scorer *sc = (Scorer *)ScorerType.tp_alloc(&ScorerType, 0);
    if (!sc)
        return NULL;
    Py_ssize_t nr = PR_COUNT;
    int32_t *r = NULL;
    if (!PyArg_ParseTuple(ints, "nnnnnnn;scorer: 7 ints", &sc->nrows, &sc->min_lines, &sc->min_words,
                          &sc->head_lines, &sc->far, &sc->zone_far, &sc->max_zones)
        || !PyArg_ParseTuple(floats, "dddd;scorer: 4 floats", &sc->min_keep_share, &sc->min_remove_share,
                             &sc->clip, &sc->strong)
        || !(r = sc_copy(rows, 4, &nr, "rows")))
        goto fail;
    for (int i = 0; i < PR_COUNT; i++) {
        if (r[i] < 0 || r[i] >= sc->nrows) {
            PyErr_SetString(PyExc_ValueError, "scorer: a primitive row is out of range");
            goto fail;
        }
        sc->rows[i] = r[i];
    }
    if (sc_stage_init(&sc->st[0], stage1) < 0 || sc_stage_init(&sc->st[1], stage2) < 0 || sc_tree_init(sc, tree) < 0)
        goto fail;
    if (sc_share_rows(sc) < 0)
        goto fail;
    PyMem_Free(r);
    return (PyObject *)sc;
fail:
    PyMem_Free(r);
    Py_DECREF(sc);
    return NULL;
}

static PyObject *score_columns(PyObject *module, PyObject *unused)
{
    PyObject *out = PyTuple_New(SC_COUNT);
    for (int i = 0; out && i < SC_COUNT; i++) {
        PyObject *s = PyUnicode_FromString(score_column_names[i]);
        if (!s)
            Py_CLEAR(out);
        else
            PyTuple_SET_ITEM(out, i, s);
    }
    return out;
}

/* ------------------------------------------------------------------------ */
/* One page                                                                  */

static void *sc_carve(char **at, size_t bytes)
{
    void *p = *at;
    *at += (bytes + 15) & ~(size_t)15;
    return p;
}

/* Point pg's columns into the Scorer's scratch, sized for n lines. */
static int sc_page_alloc(Scorer *sc, ScPage *pg, Py_ssize_t n)
{
    size_t d = ((size_t)n + 2) * sizeof(double), z = ((size_t)n + 2) * sizeof(Py_ssize_t);
    int ntab = sc->st[0].ntables > sc->st[1].ntables ? sc->st[0].ntables : sc->st[1].ntables;
    size_t need = 16 * (SC_COUNT + 16) + SC_COUNT * d + 4 * d + SC_BLOCK_LINES * sizeof(double)
                + (ntab + 1) * sizeof(double) + 3 * z + (size_t)(sc->ncodes + 1) * ((size_t)n + 16) * 4;
    if (need > sc->capwork) {
        char *w = PyMem_Realloc(sc->work, need);
        if (!w) {
            PyErr_NoMemory();
            return -1;
        }
        sc->work = w;
        sc->capwork = need;
    }
    char *at = sc->work;
    for (int c = 0; c < SC_COUNT; c++)
        pg->col[c] = sc_carve(&at, d);
    pg->tmp = sc_carve(&at, d);
    pg->score1 = sc_carve(&at, d);
    pg->score2 = sc_carve(&at, d);
    pg->acc = sc_carve(&at, SC_BLOCK_LINES * sizeof(double));
    pg->pairs = sc_carve(&at, (ntab + 1) * sizeof(double));
    pg->bid = sc_carve(&at, z);
    pg->firsts = sc_carve(&at, z);
    pg->zid = sc_carve(&at, z);
    pg->codes = sc_carve(&at, (size_t)(sc->ncodes + 1) * ((size_t)n + 16) * 2);
    pg->n = n;
    return 0;
}

/* line_features: the stage-1 columns. */
static void sc_line_columns(ScPage *pg)
{
    Py_ssize_t n = pg->n;
    const int64_t *len = pg->p[PR_LEN], *nw = pg->p[PR_WORDS], *nstop = pg->p[PR_STOP], *blank = pg->p[PR_BLANK];
    double **c = pg->col;
    Py_ssize_t *bid = pg->bid, *firsts = pg->firsts, nb = 0;
    int64_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i == 0 || blank[i])
            firsts[nb++] = i;
        bid[i] = nb - 1;
        total += nw[i];
        int64_t w = nw[i];
        c[SC_LEN][i] = (double)len[i];
        c[SC_NW][i] = (double)w;
        c[SC_STOP][i] = (double)nstop[i] / (double)(w > 1 ? w : 1);
        c[SC_NSEP][i] = (double)pg->p[PR_SEP][i];
        c[SC_PUNCT][i] = (double)(pg->p[PR_COMMA][i] + pg->p[PR_DOTSP][i]) / (double)(w + 1);
        c[SC_DOTSP][i] = (double)pg->p[PR_DOTSP][i];
        c[SC_TERM][i] = (double)pg->p[PR_TERM][i];
        c[SC_TITLE][i] = (double)pg->p[PR_TITLE][i];
        c[SC_DUP][i] = (double)pg->p[PR_DUP][i];
        c[SC_BLANK][i] = (double)blank[i];
        c[SC_AFTER][i] = i + 1 < n ? (double)blank[i + 1] : 1.0;
        c[SC_POS][i] = (double)i / (double)n;
        c[SC_LANG][i] = pg->lang >= 0 ? 1.0 : 0.0;
        c[SC_NLINES][i] = (double)n;
    }
    pg->nblocks = nb;
    pg->total = total;
    firsts[nb] = n;
    for (Py_ssize_t b = 0; b < nb; b++) {
        /* np.bincount sums its weights in line order, from 0.0 */
        double words = 0.0, stop = 0.0;
        int64_t maxlen = len[firsts[b]];
        for (Py_ssize_t i = firsts[b]; i < firsts[b + 1]; i++) {
            words += (double)nw[i];
            stop += (double)nstop[i];
            if (len[i] > maxlen)
                maxlen = len[i];
        }
        double share = stop / (words > 1.0 ? words : 1.0);
        for (Py_ssize_t i = firsts[b]; i < firsts[b + 1]; i++) {
            c[SC_BLOCK][i] = (double)(firsts[b + 1] - firsts[b]);
            c[SC_INBLOCK][i] = (double)(i - firsts[b]);
            c[SC_BLOCKWORDS][i] = words;
            c[SC_BLOCKMAXLEN][i] = (double)maxlen;
            c[SC_BLOCKSTOP][i] = share;
            c[SC_PAGEWORDS][i] = (double)total;
        }
    }
}

/* context_features: the stage-2 columns from the stage-1 scores. */
static void sc_context_columns(const Scorer *sc, ScPage *pg)
{
    Py_ssize_t n = pg->n;
    const double *score = pg->score1;
    double **c = pg->col, clip = sc->clip;
    double *s = c[SC_S], *run = c[SC_W];
    for (Py_ssize_t i = 0; i < n; i++) {
        double v = score[i] < -clip ? -clip : score[i];
        s[i] = v > clip ? clip : v;
    }
    run[0] = 0.0; /* running sums of s: window means are differences of these, as np.cumsum gives them */
    for (Py_ssize_t i = 0; i < n; i++)
        run[i + 1] = run[i] + s[i];
    /* massbefore/after, strongbefore/after: shares of the words on lines above a cut, before and after */
    for (int m = 0; m < 2; m++) {
        double cut = m ? sc->strong : 0.0, cum = 0.0;
        double *before = c[m ? SC_STRONGBEFORE : SC_MASSBEFORE], *after = c[m ? SC_STRONGAFTER : SC_MASSAFTER];
        for (Py_ssize_t i = 0; i < n; i++) {
            before[i] = cum; /* divided below, once the total is known */
            cum += score[i] > cut ? c[SC_NW][i] : 0.0;
            after[i] = cum;
        }
        double tot = cum != 0.0 ? cum : 1.0;
        for (Py_ssize_t i = 0; i < n; i++) {
            before[i] = before[i] / tot;
            after[i] = (tot - after[i]) / tot;
        }
    }
    /* distances to the nearest confident prose above and below, capped */
    Py_ssize_t far = sc->far, last = -far;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (score[i] > sc->strong)
            last = i;
        Py_ssize_t d = i - last;
        c[SC_DPREV][i] = (double)(d < far ? d : far);
    }
    Py_ssize_t next = far + n;
    for (Py_ssize_t i = n - 1; i >= 0; i--) {
        if (score[i] > sc->strong)
            next = i;
        Py_ssize_t d = next - i;
        c[SC_DNEXT][i] = (double)(d < far ? d : far);
    }
    /* the block's scores */
    const Py_ssize_t *firsts = pg->firsts;
    for (Py_ssize_t b = 0; b < pg->nblocks; b++) {
        double sum = 0.0, hi = s[firsts[b]], lo = s[firsts[b]];
        for (Py_ssize_t i = firsts[b]; i < firsts[b + 1]; i++) {
            sum += s[i];
            hi = s[i] > hi ? s[i] : hi;
            lo = s[i] < lo ? s[i] : lo;
        }
        double mean = sum / (double)(firsts[b + 1] - firsts[b]);
        for (Py_ssize_t i = firsts[b]; i < firsts[b + 1]; i++) {
            c[SC_BMEAN][i] = mean;
            c[SC_BMAX][i] = hi;
            c[SC_BMIN][i] = lo;
        }
    }
    /* word shares of confident and of positive lines (integer sums: exact in any order) */
    int64_t strong_words = 0, pos_words = 0;
    const int64_t *nw = pg->p[PR_WORDS];
    for (Py_ssize_t i = 0; i < n; i++) {
        strong_words += score[i] > sc->strong ? nw[i] : 0;
        pos_words += score[i] > 0.0 ? nw[i] : 0;
    }
    double total = pg->total ? (double)pg->total : 1.0;
    double pstrong = (double)strong_words / total, ppos = (double)pos_words / total;
    /* prose zones: runs of lines whose 3-line mean is positive; zw (in tmp) holds each zone's positive words */
    Py_ssize_t *zid = pg->zid, nz = 0;
    double *zw = pg->tmp;
    zw[0] = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t lo = i - 1 < 0 ? 0 : i - 1, hi = i + 2 > n ? n : i + 2;
        int in = (run[hi] - run[lo]) / 3.0 > 0.0; /* w1, as _window_mean computes it */
        if (in && (i == 0 || !zid[i - 1]))
            zw[++nz] = 0.0;
        zid[i] = in ? nz : 0;
        if (in && s[i] > 0.0)
            zw[nz] += c[SC_NW][i];
    }
    double ztot = 0.0;
    Py_ssize_t big = 0;
    for (Py_ssize_t z = 1; z <= nz; z++) {
        ztot += zw[z];
        if (zw[z] > zw[big])
            big = z;
    }
    double zbig = zw[big];
    ztot = ztot != 0.0 ? ztot : 1.0;
    Py_ssize_t first = n, lastbig = -1;
    for (Py_ssize_t i = 0; big && i < n; i++)
        if (zid[i] == big) {
            first = first < i ? first : i;
            lastbig = i;
        }
    double upto = 0.0; /* words of the zones up to the line's, or the last one seen */
    Py_ssize_t seen = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        while (seen < zid[i])
            upto += zw[++seen];
        double share = zw[zid[i]] / ztot;
        Py_ssize_t after = i - lastbig, before = first - i, zf = sc->zone_far;
        c[SC_ZSHARE][i] = share;
        c[SC_INBIG][i] = big > 0 && zid[i] == big ? 1.0 : 0.0;
        c[SC_AFTERBIG][i] = (double)(after < -1 ? -1 : after > zf ? zf : after);
        c[SC_BEFOREBIG][i] = (double)(before < -1 ? -1 : before > zf ? zf : before);
        c[SC_ZMASSBEFORE][i] = upto / ztot - share * (zid[i] > 0 ? 1.0 : 0.0);
        c[SC_BIGSHARE][i] = zbig / ztot;
        c[SC_NZONES][i] = (double)(nz < sc->max_zones ? nz : sc->max_zones);
        c[SC_PSTRONG][i] = pstrong;
        c[SC_PPOS][i] = ppos;
    }
}

/* The values of one input column of a stage: the computed column, shifted or windowed; returns where they are. */
static const double *sc_values(const ScPage *pg, const ScColumn *col, double *out)
{
    Py_ssize_t n = pg->n, k = col->k;
    const double *src = pg->col[col->src];
    if (col->src == SC_W) { /* (pre[2k+1+i] - pre[i]) / (2k+1), pre the running sums padded with k zeros */
        double width = (double)(2 * k + 1);
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_ssize_t hi = i + k + 1 > n ? n : i + k + 1, lo = i - k < 0 ? 0 : i - k;
            out[i] = (src[hi] - src[lo]) / width;
        }
        return out;
    }
    if (!k)
        return src;
    Py_ssize_t kk = k < 0 ? -k : k, keep = kk < n ? n - kk : 0; /* lines that see a line of the page */
    if (k > 0)
        memcpy(out + (n - keep), src, keep * sizeof(double));
    else
        memcpy(out, src + (n - keep), keep * sizeof(double));
    for (Py_ssize_t i = 0; i < n - keep; i++)
        out[k > 0 ? i : keep + i] = col->fill;
    return out;
}

/* Bin = number of edges <= value: a branchless search over edges padded with +inf (unrolled for
 * up to 15 edges), or, for a column with the same value on every line, one search. */
static void sc_bin(const double *x, Py_ssize_t n, const double *e, int half, int constant, uint16_t *out)
{
    if (constant && n) {
        int p = 0;
        for (int s = half; s; s >>= 1)
            p += e[p + s - 1] <= x[0] ? s : 0;
        for (Py_ssize_t i = 0; i < n; i++)
            out[i] = (uint16_t)p;
        return;
    }
    switch (half) {
    case 0:
        memset(out, 0, n * sizeof(uint16_t));
        return;
    case 1:
        for (Py_ssize_t i = 0; i < n; i++)
            out[i] = e[0] <= x[i];
        return;
    case 2:
        for (Py_ssize_t i = 0; i < n; i++)
            out[i] = (e[0] <= x[i]) + (e[1] <= x[i]) + (e[2] <= x[i]);
        return;
    case 4:
        for (Py_ssize_t i = 0; i < n; i++) {
            double v = x[i];
            int p = e[3] <= v ? 4 : 0;
            p += e[p + 1] <= v ? 2 : 0;
            out[i] = (uint16_t)(p + (e[p] <= v));
        }
        return;
    case 8:
        for (Py_ssize_t i = 0; i < n; i++) {
            double v = x[i];
            int p = e[7] <= v ? 8 : 0;
            p += e[p + 3] <= v ? 4 : 0;
            p += e[p + 1] <= v ? 2 : 0;
            out[i] = (uint16_t)(p + (e[p] <= v));
        }
        return;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        double v = x[i];
        int p = 0;
        for (int s = half; s; s >>= 1)
            p += e[p + s - 1] <= v ? s : 0;
        out[i] = (uint16_t)p;
    }
}

/* Columns with one value per page. */
static int sc_constant(const ScColumn *col)
{
    switch (col->src) {
    case SC_LANG: case SC_NLINES: case SC_PAGEWORDS: case SC_PSTRONG: case SC_PPOS: case SC_BIGSHARE: case SC_NZONES:
        return col->k == 0;
    }
    return 0;
}

/* numpy's pairwise sum of doubles (what .sum() of one line's table values does when a page has one line). */
static double sc_pairwise(const double *a, Py_ssize_t n)
{
    if (n < 8) {
        double r = 0.0;
        for (Py_ssize_t i = 0; i < n; i++)
            r += a[i];
        return r;
    }
    if (n <= 128) {
        double r[8];
        Py_ssize_t i;
        for (int j = 0; j < 8; j++)
            r[j] = a[j];
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += a[i];
        return res;
    }
    Py_ssize_t n2 = n / 2;
    n2 -= n2 % 8;
    return sc_pairwise(a, n2) + sc_pairwise(a + n2, n - n2);
}

/* The cell indices (a code << shift) + b code of 8 lines, 8 lanes at once where the compiler has vector types. */
static inline void sc_cells8(uint16_t *idx, const uint16_t *a, const uint16_t *b, int shift)
{
#if defined(__GNUC__)
    typedef uint16_t u16x8 __attribute__((vector_size(16)));
    u16x8 x, y;
    memcpy(&x, a, sizeof x);
    memcpy(&y, b, sizeof y);
    x = (x << shift) + y;
    memcpy(idx, &x, sizeof x);
#else
    for (int l = 0; l < 8; l++)
        idx[l] = (uint16_t)((a[l] << shift) + b[l]);
#endif
}

/* Add k tables' cells to the sums of m lines (acc), in table order; first: the first table starts the sums. */
static void sc_pass(double *acc, const uint16_t *const *a, const uint16_t *const *b, const double *const *v, int k,
                    int shift, Py_ssize_t m, int first)
{
    Py_ssize_t j = 0;
    for (; j + 8 <= m; j += 8) {
        uint16_t idx[8];
        int q = 0;
        double s0, s1, s2, s3, s4, s5, s6, s7;
        if (first) {
            sc_cells8(idx, a[0] + j, b[0] + j, shift);
            s0 = v[0][idx[0]], s1 = v[0][idx[1]], s2 = v[0][idx[2]], s3 = v[0][idx[3]];
            s4 = v[0][idx[4]], s5 = v[0][idx[5]], s6 = v[0][idx[6]], s7 = v[0][idx[7]];
            q = 1;
        } else {
            s0 = acc[j], s1 = acc[j + 1], s2 = acc[j + 2], s3 = acc[j + 3];
            s4 = acc[j + 4], s5 = acc[j + 5], s6 = acc[j + 6], s7 = acc[j + 7];
        }
        for (; q < k; q++) {
            const double *w = v[q];
            sc_cells8(idx, a[q] + j, b[q] + j, shift);
            s0 += w[idx[0]], s1 += w[idx[1]], s2 += w[idx[2]], s3 += w[idx[3]];
            s4 += w[idx[4]], s5 += w[idx[5]], s6 += w[idx[6]], s7 += w[idx[7]];
        }
        acc[j] = s0, acc[j + 1] = s1, acc[j + 2] = s2, acc[j + 3] = s3;
        acc[j + 4] = s4, acc[j + 5] = s5, acc[j + 6] = s6, acc[j + 7] = s7;
    }
    for (; j < m; j++) {
        int q = 0;
        double sum = first ? v[q++][(a[0][j] << shift) + b[0][j]] : acc[j];
        for (; q < k; q++)
            sum += v[q][(a[q][j] << shift) + b[q][j]];
        acc[j] = sum;
    }
}

/* stage_score: bias + the sum, table by table, of each line's cell. trace (if not NULL) gets the column values. */
static void sc_stage(const Scorer *sc, const ScStage *st, ScPage *pg, double *out, double *trace)
{
    Py_ssize_t n = pg->n;
    uint16_t *codes = pg->codes;
    for (int c = 0; c < st->ncols; c++) {
        const ScColumn *col = &st->cols[c];
        if (!col->own && !trace)
            continue;
        const double *x = sc_values(pg, col, pg->tmp);
        if (trace)
            memcpy(trace + (Py_ssize_t)c * n, x, n * sizeof(double));
        if (col->own)
            sc_bin(x, n, st->edges + col->e, col->half, sc_constant(col), codes + (Py_ssize_t)col->row * n);
    }
    const double *values = st->values;
    const int32_t *ta = st->ta, *tb = st->tb, *toff = st->toff;
    if (n == 1) { /* numpy sums a (tables x 1) gather pairwise */
        for (int t = 0; t < st->ntables; t++)
            pg->pairs[t] = values[toff[t] + (codes[ta[t]] << sc->shift) + codes[tb[t]]];
        out[0] = st->bias + sc_pairwise(pg->pairs, st->ntables);
        return;
    }
    double *acc = pg->acc;
    for (Py_ssize_t j0 = 0; j0 < n; j0 += SC_BLOCK_LINES) {
        Py_ssize_t m = n - j0 < SC_BLOCK_LINES ? n - j0 : SC_BLOCK_LINES;
        if (!st->ntables)
            memset(acc, 0, m * sizeof(double));
        /* SC_PASS tables at a time over the block (their cells stay in cache), added in table order */
        for (int t = 0; t < st->ntables; t += SC_PASS) {
            int k = st->ntables - t < SC_PASS ? st->ntables - t : SC_PASS;
            const uint16_t *a[SC_PASS], *b[SC_PASS];
            const double *v[SC_PASS];
            for (int q = 0; q < k; q++) {
                a[q] = codes + (Py_ssize_t)ta[t + q] * n + j0;
                b[q] = codes + (Py_ssize_t)tb[t + q] * n + j0;
                v[q] = values + toff[t + q];
            }
            sc_pass(acc, a, b, v, k, sc->shift, m, t == 0);
        }
        for (Py_ssize_t j = 0; j < m; j++)
            out[j0 + j] = st->bias + acc[j];
    }
}

/* Read the primitives matrix of n lines (buffer of nrows x n int64). */
static int sc_page_open(Scorer *sc, ScPage *pg, Py_buffer *buf, int lang)
{
    if (buf->len % ((Py_ssize_t)sc->nrows * 8)) {
        PyErr_SetString(PyExc_ValueError, "scorer: the primitives are not a whole int64 matrix");
        return -1;
    }
    Py_ssize_t n = buf->len / ((Py_ssize_t)sc->nrows * 8);
    if (sc_page_alloc(sc, pg, n) < 0)
        return -1;
    for (int r = 0; r < PR_COUNT; r++)
        pg->p[r] = (const int64_t *)buf->buf + (Py_ssize_t)sc->rows[r] * n;
    pg->lang = lang;
    pg->total = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        pg->total += pg->p[PR_WORDS][i];
    return 0;
}

/* Both stages: score2 gets the final logits (n >= 1). */
static void sc_score(Scorer *sc, ScPage *pg, double *trace1, double *trace2)
{
    sc_line_columns(pg);
    memset(pg->codes + (Py_ssize_t)sc->ncodes * pg->n, 0, pg->n * sizeof(uint16_t)); /* the constant column */
    sc_stage(sc, &sc->st[0], pg, pg->score1, trace1);
    sc_context_columns(sc, pg);
    sc_stage(sc, &sc->st[1], pg, pg->score2, trace2);
}

/* share_above: words on lines scoring above cut / the page's words. */
static double sc_share(const ScPage *pg, const double *score, double cut)
{
    int64_t above = 0;
    for (Py_ssize_t i = 0; i < pg->n; i++)
        above += score[i] > cut ? pg->p[PR_WORDS][i] : 0;
    return (double)above / (double)(pg->total ? pg->total : 1);
}

static double sc_threshold(const Scorer *sc, const ScPage *pg, const double *score)
{
    const ScNode *node = &sc->tree[0];
    while (node->feature >= 0)
        node = &sc->tree[sc_share(pg, score, sc->cutoffs[node->feature]) <= node->value ? node->left : node->right];
    return node->threshold;
}

static int sc_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* keep_mask into keep (n bytes); returns 1 if every line is kept, -1 on error. */
static int sc_keep(const Scorer *sc, const ScPage *pg, const double *score, double threshold, uint8_t *keep)
{
    Py_ssize_t n = pg->n;
    int64_t kept = 0;
    int tail = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        keep[i] = score[i] > threshold;
        kept += keep[i] ? pg->p[PR_WORDS][i] : 0;
        if (i >= sc->head_lines && !keep[i])
            tail = 0;
    }
    double total = (double)pg->total;
    if ((double)kept > (1 - sc->min_remove_share) * total || tail)
        return 1;
    if ((double)kept < sc->min_keep_share * total) {
        double *sorted = PyMem_Malloc(n * sizeof(double));
        if (!sorted) {
            PyErr_NoMemory();
            return -1;
        }
        memcpy(sorted, score, n * sizeof(double));
        qsort(sorted, n, sizeof(double), sc_desc);
        double floor = sorted[n / 4];
        PyMem_Free(sorted);
        for (Py_ssize_t i = 0; i < n; i++)
            keep[i] = score[i] >= floor;
    }
    return 0;
}

/* A page's scratch. While a page is scored its scratch is taken from the Scorer, so that a nested call (a
 * finaliser run by the garbage collector while the spans are built, say) gets its own and cannot move it. */
typedef struct {
    char *work;
    size_t cap;
} ScWork;

static ScWork sc_take(Scorer *sc)
{
    ScWork held = {sc->work, sc->capwork};
    sc->work = NULL;
    sc->capwork = 0;
    return held;
}

/* Give the scratch back after a page (freeing a nested call's, if one left it). */
static void sc_release(Scorer *sc, ScWork held)
{
    if (!held.work)
        return;
    PyMem_Free(sc->work);
    sc->work = held.work;
    sc->capwork = held.cap;
}

static int sc_parse(Scorer *sc, PyObject *args, Py_buffer *buf, int *lang)
{
    if (!PyArg_ParseTuple(args, "y*i", buf, lang))
        return -1;
    return 0;
}

static PyObject *Scorer_spans(Scorer *sc, PyObject *args)
{
    Py_buffer buf;
    int lang;
    ScPage pg;
    if (sc_parse(sc, args, &buf, &lang) < 0)
        return NULL;
    PyObject *out = NULL;
    ScWork held = {NULL, 0};
    if (sc_page_open(sc, &pg, &buf, lang) < 0)
        goto done;
    held = sc_take(sc);
    Py_ssize_t n = pg.n;
    if (n == 0 || n < sc->min_lines || pg.total < sc->min_words) { /* is_small */
        out = PyList_New(0);
        goto done;
    }
    sc_score(sc, &pg, NULL, NULL);
    uint8_t *keep = (uint8_t *)pg.score1; /* stage 1's scores are no longer needed */
    int all = sc_keep(sc, &pg, pg.score2, sc_threshold(sc, &pg, pg.score2), keep);
    if (all < 0 || !(out = PyList_New(0)) || all)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (keep[i])
            continue;
        Py_ssize_t j = i;
        while (j + 1 < n && !keep[j + 1])
            j++;
        PyObject *span = Py_BuildValue("(LL)", (long long)pg.p[PR_START][i], (long long)pg.p[PR_END][j]);
        if (!span || PyList_Append(out, span) < 0) {
            Py_XDECREF(span);
            Py_CLEAR(out);
            goto done;
        }
        Py_DECREF(span);
        i = j;
    }
done:
    sc_release(sc, held);
    PyBuffer_Release(&buf);
    return out;
}

static PyObject *Scorer_trace(Scorer *sc, PyObject *args)
{
    Py_buffer buf;
    int lang;
    ScPage pg;
    if (sc_parse(sc, args, &buf, &lang) < 0)
        return NULL;
    PyObject *x1 = NULL, *x2 = NULL, *s1 = NULL, *s2 = NULL, *out = NULL;
    ScWork held = {NULL, 0};
    if (sc_page_open(sc, &pg, &buf, lang) < 0)
        goto done;
    held = sc_take(sc);
    Py_ssize_t n = pg.n, d = (Py_ssize_t)sizeof(double);
    if (!(x1 = PyBytes_FromStringAndSize(NULL, sc->st[0].ncols * n * d))
        || !(x2 = PyBytes_FromStringAndSize(NULL, sc->st[1].ncols * n * d))
        || !(s1 = PyBytes_FromStringAndSize(NULL, n * d)) || !(s2 = PyBytes_FromStringAndSize(NULL, n * d)))
        goto done;
    double threshold = 0.0;
    int all = 1;
    if (n) {
        sc_score(sc, &pg, (double *)PyBytes_AS_STRING(x1), (double *)PyBytes_AS_STRING(x2));
        memcpy(PyBytes_AS_STRING(s1), pg.score1, n * d);
        memcpy(PyBytes_AS_STRING(s2), pg.score2, n * d);
        threshold = sc_threshold(sc, &pg, pg.score2);
        all = sc_keep(sc, &pg, pg.score2, threshold, (uint8_t *)pg.score1);
        if (all < 0)
            goto done;
    }
    PyObject *keep = PyBytes_FromStringAndSize(all ? NULL : (const char *)pg.score1, all ? 0 : n);
    if (keep)
        out = Py_BuildValue("OOOOdN", x1, s1, x2, s2, threshold, keep);
done:
    Py_XDECREF(x1);
    Py_XDECREF(x2);
    Py_XDECREF(s1);
    Py_XDECREF(s2);
    sc_release(sc, held);
    PyBuffer_Release(&buf);
    return out;
}

static PyMethodDef Scorer_methods[] = {
    {"spans", (PyCFunction)Scorer_spans, METH_VARARGS,
     "spans(primitives, lang) -> [(start, end)] of the runs of lines find_boilerplate drops"},
    {"trace", (PyCFunction)Scorer_trace, METH_VARARGS,
     "trace(primitives, lang) -> (stage-1 columns, stage-1 scores, stage-2 columns, final scores: float64 bytes,"
     " threshold, keep mask bytes or b'' if every line is kept); for tests"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScorerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_cleaner_native.Scorer",
    .tp_basicsize = sizeof(Scorer),
    .tp_dealloc = (destructor)Scorer_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The classifier's two stages and threshold tree, ready to score pages (made by scorer()).",
    .tp_methods = Scorer_methods,
};

#define SCORE_METHODS                                                                                       \
    {"scorer", (PyCFunction)score_new, METH_VARARGS,                                                         \
     "scorer(rows, ints, floats, stage1, stage2, tree) -> a Scorer (cleaner/classify.py builds the arguments)"}, \
    {"score_columns", (PyCFunction)score_columns, METH_NOARGS,                                               \
     "score_columns() -> the names of the columns a Scorer computes, in the order it numbers them"},
