/* The page pass for one str kind: included by cleaner_native.c with T (the code
 * unit type) and FN(name) (name with a kind suffix) defined. */

/* Lower-case d[a:b] (one whitespace-free token) into buf as str.lower() does,
 * and hash it (hash_ucs4) into *hash; returns its length, cap + 1 if that is
 * over cap, or -1 on error. U+0130 (whose full lower-case mapping is two
 * characters) and U+03A3 (final sigma depends on the neighbours) send the whole
 * token through str.lower(). */
static inline Py_ssize_t FN(lower)(PyObject *text, const T *d, Py_ssize_t a, Py_ssize_t b, Py_UCS4 *buf,
                                   Py_ssize_t cap, uint64_t *hash)
{
    uint64_t h = 1469598103934665603ULL;
    Py_ssize_t n = 0;
    for (Py_ssize_t i = a; i < b; i++) {
        Py_UCS4 c = d[i];
        if (n >= cap)
            return cap + 1;
        if (c < 128) {
            c = (c >= 'A' && c <= 'Z') ? c + 32 : c;
        } else if (c == 0x130 || c == 0x3A3) {
            n = lower_slow(text, a, b, buf, cap);
            if (n >= 0 && n <= cap)
                *hash = hash_ucs4(buf, n);
            return n;
        } else {
            c = Py_UNICODE_TOLOWER(c);
        }
        buf[n++] = c;
        h ^= c;
        h *= 1099511628211ULL;
    }
    *hash = mix(h);
    return n;
}

/* The entry of token d[a:b] lower-cased in table t, or NULL; *err = 1 on error. */
static const Entry *FN(lookup)(const Lexicon *lx, const Table *t, PyObject *text, const T *d, Py_ssize_t a,
                               Py_ssize_t b, int *err)
{
    /* Lower-casing never shortens a token: one longer than every key matches none. */
    if (b - a > t->maxlen)
        return NULL;
    uint64_t h = 0;
    Py_ssize_t n = FN(lower)(text, d, a, b, lx->scratch, t->maxlen, &h);
    if (n < 0) {
        *err = 1;
        return NULL;
    }
    if (n > t->maxlen)
        return NULL;
    return table_find(t, lx->scratch, n, h);
}

/* The index of the first '\n' in d[start:len], or len. memchr finds the byte 0x0A;
 * in a wider unit that byte may be part of another character (U+0A00-U+0AFF,
 * U+xx0A), so each hit is checked as a whole unit and the search goes on past it. */
static inline Py_ssize_t FN(find_newline)(const T *d, Py_ssize_t start, Py_ssize_t len)
{
    const char *base = (const char *)d, *p = base + start * sizeof(T), *stop = base + len * sizeof(T);
    while (p < stop) {
        const char *nl = memchr(p, '\n', stop - p);
        if (!nl)
            break;
        Py_ssize_t i = (nl - base) / (Py_ssize_t)sizeof(T);
        if (d[i] == '\n')
            return i;
        p = nl + 1;
    }
    return len;
}

/* Pass 1: every line's bounds, stripped bounds and number; the non-blank ones are kept. */
static int FN(split_lines)(const T *d, Py_ssize_t len, Lines *out)
{
    Py_ssize_t start = 0, rawno = 0;
    while (start <= len) {
        Py_ssize_t end = FN(find_newline)(d, start, len);
        Py_ssize_t a = start, b = end;
        while (a < b && is_ws(d[a]))
            a++;
        while (b > a && is_ws(d[b - 1]))
            b--;
        if (a < b && lines_push(out, rawno, start, end, a, b) < 0)
            return -1;
        rawno++;
        start = end + 1;
    }
    return 0;
}

/* The stoplist id with most hits among the first sample_words words of the
 * sample_lines longest lines (each distinct word once; ties to the lower id), or -1. */
static int FN(language)(const Lexicon *lx, PyObject *text, const T *d, const Lines *L, Py_ssize_t sample_lines,
                        Py_ssize_t sample_words, int *err)
{
    Py_ssize_t n = L->n, want = sample_lines < 0 ? 0 : sample_lines < 16 ? sample_lines : 16;
    Py_ssize_t top[16], ntop = 0;
    for (Py_ssize_t i = 0; i < n; i++) { /* longest first; equal lengths in line order */
        Py_ssize_t len = L->b[i] - L->a[i];
        Py_ssize_t p = ntop;
        while (p > 0 && L->b[top[p - 1]] - L->a[top[p - 1]] < len)
            p--;
        if (p >= want)
            continue;
        if (ntop < want)
            ntop++;
        memmove(top + p + 1, top + p, (ntop - 1 - p) * sizeof(Py_ssize_t));
        top[p] = i;
    }
    Py_ssize_t words = sample_words > 0 ? sample_words : 0;
    const Entry **seen = PyMem_Malloc((want * words + 1) * sizeof(Entry *));
    int64_t *hits = PyMem_Calloc(lx->nlang + 1, sizeof(int64_t));
    int lang = -1;
    if (!seen || !hits) {
        PyErr_NoMemory();
        *err = 1;
        goto done;
    }
    Py_ssize_t nseen = 0;
    for (Py_ssize_t t = 0; t < ntop; t++) {
        Py_ssize_t i = top[t], p = L->start[i], e = L->end[i], taken = 0;
        while (taken < words) {
            while (p < e && is_ws(d[p]))
                p++;
            if (p >= e)
                break;
            Py_ssize_t q = p;
            while (q < e && !is_ws(d[q]))
                q++;
            taken++;
            const Entry *en = FN(lookup)(lx, &lx->all, text, d, p, q, err);
            if (*err)
                goto done;
            p = q;
            if (!en || !en->nlangs)
                continue;
            Py_ssize_t k = 0;
            while (k < nseen && seen[k] != en)
                k++;
            if (k < nseen)
                continue;
            seen[nseen++] = en;
            for (int j = 0; j < en->nlangs; j++)
                hits[lx->ids[en->langs + j]]++;
        }
    }
    int64_t best = 0;
    for (int j = 0; j < lx->nlang; j++)
        if (hits[j] > best) {
            best = hits[j];
            lang = j;
        }
done:
    PyMem_Free(seen);
    PyMem_Free(hits);
    return lang;
}

/* str.istitle() of d[a:b]: upper or title case only after an uncased character,
 * lower case only after a cased one, and at least one cased character. Most
 * lines fail within their first word. */
static int FN(title)(const T *d, Py_ssize_t a, Py_ssize_t b)
{
    int cased = 0, prev_cased = 0;
    for (Py_ssize_t i = a; i < b; i++) {
        Py_UCS4 c = d[i];
        int upper, lower;
        if (c < 128) {
            upper = (ascii_class[c] & K_UPPER) != 0;
            lower = (ascii_class[c] & K_LOWER) != 0;
        } else {
            upper = Py_UNICODE_ISUPPER(c) || Py_UNICODE_ISTITLE(c);
            lower = !upper && Py_UNICODE_ISLOWER(c);
        }
        if (upper) {
            if (prev_cased)
                return 0;
            prev_cased = cased = 1;
        } else if (lower) {
            if (!prev_cased)
                return 0;
            prev_cased = cased = 1;
        } else {
            prev_cased = 0;
        }
    }
    return cased;
}

/* c lower-cased as the page pass does for a word without U+0130 or U+03A3. */
static inline Py_UCS4 FN(low)(Py_UCS4 c)
{
    return c < 128 ? c | ((ascii_class[c] & K_UPPER) << 4) : Py_UNICODE_TOLOWER(c); /* K_UPPER << 4 == 32 */
}

/* The entry of the word d[tok:tok+n] (no U+0130 or U+03A3, n <= t->maxlen) in t, from
 * the hash of its lower-cased code points (FN(line_stats)), or NULL. */
static inline const Entry *FN(find_word)(const Table *t, const T *d, Py_ssize_t tok, Py_ssize_t n, uint64_t h)
{
    if (!t->slots)
        return NULL;
    Py_ssize_t i = (Py_ssize_t)(h & t->mask);
    for (const Entry *e; (e = table_probe(t, h, n, &i)) != NULL;) {
        const Py_UCS4 *key = t->pool + e->key;
        Py_ssize_t k = 0;
        while (k < n && key[k] == FN(low)(d[tok + k]))
            k++;
        if (k == n)
            return e;
    }
    return NULL;
}

/* Pass 2 for one stripped line d[a:b]: words and their codes, commas, ". "
 * pairs, title case. Each word is lower-cased and hashed as it is read (as
 * FN(lower) does), then looked up in codes if it is no longer than its
 * longest key. */
static int FN(line_stats)(const Lexicon *lx, const Table *codes, PyObject *text, const T *d, Py_ssize_t a,
                          Py_ssize_t b, int64_t *out, int *zero_token)
{
    int64_t words = 0, stop = 0, sep = 0, comma = 0, dots = 0;
    const Py_ssize_t cap = codes->maxlen;
    Py_ssize_t i = a;
    while (i < b) {
        Py_UCS4 c = d[i];
        if (is_ws(c)) {
            i++;
            continue;
        }
        /* One word: d[tok:i]. */
        Py_ssize_t tok = i;
        int slow = 0; /* it holds U+0130 or U+03A3, lowered by str.lower() */
        uint64_t h = 1469598103934665603ULL;
        for (;;) {
            Py_UCS4 low;
            if (c < 128) {
                unsigned k = ascii_class[c];
                low = c | ((k & K_UPPER) << 4); /* K_UPPER << 4 == 32: 'A' -> 'a' */
                if (k & (K_COMMA | K_DOT)) {
                    if (k & K_COMMA)
                        comma++;
                    else if (i + 1 < b && d[i + 1] == ' ')
                        dots++;
                }
            } else {
                slow |= c == 0x130 || c == 0x3A3;
                low = Py_UNICODE_TOLOWER(c);
            }
            h = (h ^ low) * 1099511628211ULL; /* read only when the word is no longer than cap */
            if (++i >= b)
                break;
            c = d[i];
            if (is_ws(c))
                break;
        }
        words++;
        Py_ssize_t n = i - tok;
        if (n == 1 && d[tok] == 0)
            *zero_token = 1;
        const Entry *en = NULL;
        if (slow) {
            int err = 0;
            en = FN(lookup)(lx, codes, text, d, tok, i, &err);
            if (err)
                return -1;
        } else if (n <= cap) {
            en = FN(find_word)(codes, d, tok, n, mix(h));
        }
        if (en) {
            sep += en->code == CODE_SEP;
            stop += en->code == CODE_STOP;
        }
    }
    out[C_WORDS] = words;
    out[C_STOP] = stop;
    out[C_SEP] = sep;
    out[C_COMMA] = comma;
    out[C_DOTSPACE] = dots;
    out[C_TITLE] = FN(title)(d, a, b);
    return 0;
}

/* normalise_whitespace() of cleaner/text.py: the words of each line joined by
 * one space, non-empty lines joined by a blank line, a final line break. */
static PyObject *FN(normalise)(const T *d, Py_ssize_t len)
{
    T *out = PyMem_Malloc((2 * len + 2) * sizeof(T));
    if (!out)
        return PyErr_NoMemory();
    Py_ssize_t o = 0, i = 0;
    int any = 0;
    while (i < len) {
        int first = 1;
        while (i < len && d[i] != '\n') {
            if (is_ws(d[i])) {
                i++;
                continue;
            }
            Py_ssize_t j = i + 1;
            while (j < len && !is_ws(d[j]))
                j++;
            if (first) {
                if (any) {
                    out[o++] = '\n';
                    out[o++] = '\n';
                }
                any = 1;
                first = 0;
            } else {
                out[o++] = ' ';
            }
            memcpy(out + o, d + i, (j - i) * sizeof(T));
            o += j - i;
            i = j;
        }
        i++; /* the line break */
    }
    if (any)
        out[o++] = '\n';
    PyObject *result = PyUnicode_FromKindAndData(sizeof(T), out, o);
    PyMem_Free(out);
    return result;
}

/* in_output_form() of cleaner/pipeline.py: whether normalise(d) == d, with d
 * not empty; stops at the first character that normalise would change. */
static int FN(output_form)(const T *d, Py_ssize_t len)
{
    Py_ssize_t i = 0;
    if (len == 0)
        return 0;
    for (;;) { /* at the start of a paragraph */
        if (i >= len || is_ws(d[i]))
            return 0;
        for (;;) { /* at the start of a word */
            while (i < len && !is_ws(d[i]))
                i++;
            if (i >= len)
                return 0; /* no final line break */
            if (d[i] == ' ') {
                i++;
                if (i >= len || is_ws(d[i]))
                    return 0;
                continue;
            }
            if (d[i] != '\n')
                return 0;
            if (i == len - 1)
                return 1;
            if (d[i + 1] != '\n' || i + 2 >= len || is_ws(d[i + 2]))
                return 0;
            i += 2;
            break;
        }
    }
}

/* d minus the sorted, disjoint spans, each replaced by a space or, if it held a
 * line break, a line break (cut_spans() of cleaner/text.py), into out; returns its length. */
static Py_ssize_t FN(cut)(const T *d, Py_ssize_t len, const Py_ssize_t *spans, Py_ssize_t nspans, T *out)
{
    Py_ssize_t o = 0, pos = 0;
    for (Py_ssize_t k = 0; k < nspans; k++) {
        Py_ssize_t a = spans[2 * k], b = spans[2 * k + 1];
        memcpy(out + o, d + pos, (a - pos) * sizeof(T));
        o += a - pos;
        T seam = ' ';
        for (Py_ssize_t i = a; i < b; i++)
            if (d[i] == '\n') {
                seam = '\n';
                break;
            }
        out[o++] = seam;
        pos = b;
    }
    memcpy(out + o, d + pos, (len - pos) * sizeof(T));
    return o + len - pos;
}

/* The repair pre-scan (cleaner/text.py): positions of the characters set in
 * bits (nbits of them) and of every "&" that starts a match of ftfy's entity
 * regex &#?[0-9A-Za-z]{1,24}; in text order; whether the text holds a lone
 * surrogate; whether ftfy's badness regex could match (two non-ASCII
 * characters in a row, or one of Â Ã Œ œ or a C1 control);
 * whether it may not be NFC (a character set in nfc, nnfc bits of them, or
 * at or past them: no ASCII character is ever set there). */
static PyObject *FN(repair_scan)(const T *d, Py_ssize_t len, const unsigned char *bits, Py_ssize_t nbits,
                                 const unsigned char *nfc, Py_ssize_t nnfc)
{
    PyObject *hits = PyList_New(0);
    if (!hits)
        return NULL;
    int surrogate = 0, bad = 0, prev_wide = 0, unsafe = 0;
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 c = d[i];
        int hit = (Py_ssize_t)c < nbits && ((bits[c >> 3] >> (c & 7)) & 1);
        if (c >= 128) {
            bad |= prev_wide || c == 0xC2 || c == 0xC3 || c == 0x152 || c == 0x153 || c < 0xA0;
            surrogate |= c >= 0xD800 && c < 0xE000;
            unsafe |= (Py_ssize_t)c >= nnfc || ((nfc[c >> 3] >> (c & 7)) & 1);
            prev_wide = 1;
        } else {
            prev_wide = 0;
            if (c == '&') {
                Py_ssize_t j = i + 1, k;
                if (j < len && d[j] == '#')
                    j++;
                for (k = j; k < len && k - j <= 24; k++) {
                    Py_UCS4 e = d[k];
                    if (!((e >= '0' && e <= '9') || (e >= 'A' && e <= 'Z') || (e >= 'a' && e <= 'z')))
                        break;
                }
                hit |= k > j && k - j <= 24 && k < len && d[k] == ';';
            }
        }
        if (hit) {
            PyObject *pos = PyLong_FromSsize_t(i);
            if (!pos || PyList_Append(hits, pos) < 0) {
                Py_XDECREF(pos);
                Py_DECREF(hits);
                return NULL;
            }
            Py_DECREF(pos);
        }
    }
    return Py_BuildValue("Niii", hits, surrogate, bad, unsafe);
}
