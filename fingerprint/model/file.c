/* Model files: MODEL/booster.json (xgboost's own JSON) and MODEL/model.json (everything else),
 * or a bare xgboost JSON booster trained elsewhere. docs/model.md is the reference. */
#include "fingerprint/model/model-priv.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <powprint/version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BOOSTER_FILE "booster.json"
#define MODEL_FILE "model.json"

/* cJSON prints 15 significant digits when they read back within an epsilon; 17 make the
 * fingerprints read back bit for bit. */
static cJSON *num_or_null(double v)
{
	char buf[40];
	if (!isfinite(v))
		return cJSON_CreateNull();
	snprintf(buf, sizeof(buf), "%.17g", v);
	return cJSON_CreateRaw(buf);
}

cJSON *pp_model_to_cjson(const struct pp_model *m)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "format", PP_MODEL_FORMAT);
	cJSON_AddNumberToObject(j, "format_version", PP_MODEL_FORMAT_VERSION);
	cJSON_AddStringToObject(j, "powprint_version", PP_VERSION_STRING);
	cJSON_AddStringToObject(j, "git", PP_GIT_REVISION);
	cJSON_AddStringToObject(j, "created", m->created ? m->created : "");
	cJSON_AddStringToObject(j, "booster", BOOSTER_FILE);
	cJSON_AddStringToObject(j, "kind", "xgboost binary:logistic, p(miner)");
	cJSON_AddNumberToObject(j, "feature_version", m->feature_version);
	cJSON *f = cJSON_AddArrayToObject(j, "features");
	for (int i = 0; i < m->nf; i++)
		cJSON_AddItemToArray(f, cJSON_CreateString(m->fname[i]));
	cJSON *b = cJSON_AddArrayToObject(j, "backends");
	for (int i = 0; i < m->nbackends; i++)
		cJSON_AddItemToArray(b, cJSON_CreateString(m->backends[i]));
	cJSON_AddNumberToObject(j, "threshold", m->threshold);
	cJSON_AddStringToObject(j, "threshold_rule", m->threshold_rule ? m->threshold_rule : "");
	cJSON_AddNumberToObject(j, "rounds", m->rounds);
	cJSON_AddItemToObject(j, "params", m->params ? cJSON_Duplicate(m->params, 1) :
				  cJSON_CreateObject());
	cJSON_AddItemToObject(j, "training", m->training ? cJSON_Duplicate(m->training, 1) :
				  cJSON_CreateObject());
	cJSON *fps = cJSON_AddArrayToObject(j, "fingerprints");
	for (int i = 0; i < m->nfp; i++) {
		const struct pp_fingerprint *fp = &m->fp[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "workload", fp->workload);
		cJSON_AddStringToObject(o, "family", fp->family);
		if (fp->knobs && fp->knobs[0])
			cJSON_AddStringToObject(o, "knobs", fp->knobs);
		cJSON_AddStringToObject(o, "class", fp->miner ? "miner" : "benign");
		cJSON_AddNumberToObject(o, "rows", (double)fp->rows);
		cJSON_AddNumberToObject(o, "runs", (double)fp->runs);
		cJSON *c = cJSON_AddArrayToObject(o, "centre");
		cJSON *s = cJSON_AddArrayToObject(o, "spread");
		for (int k = 0; k < m->nf; k++) {
			cJSON_AddItemToArray(c, num_or_null(fp->centre[k]));
			cJSON_AddItemToArray(s, num_or_null(fp->spread[k]));
		}
		cJSON_AddItemToArray(fps, o);
	}
	return j;
}

int pp_model_save(const struct pp_model *m, const char *dir, char *why, size_t len)
{
	if (!m || !dir)
		return -EINVAL;
	struct stat st;
	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		return pp_why(why, len, -errno, "cannot create the model directory %s: %s", dir,
			      strerror(errno));
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return pp_why(why, len, -ENOTDIR, "%s exists and is not a directory: a model is "
			      "a directory (booster.json + model.json); pick another --output", dir);
	char path[PATH_MAX], *buf = NULL;
	size_t n;
	int err = pp_booster_save_json(m->booster, &buf, &n);
	if (err)
		return pp_why(why, len, err, "xgboost could not serialise the booster");
	snprintf(path, sizeof(path), "%s/%s", dir, BOOSTER_FILE);
	err = pp_file_write_atomic(path, buf, n);
	free(buf);
	if (err)
		return pp_why(why, len, err, "cannot write %s: %s", path, strerror(-err));
	/* model.json last: when it exists, the booster beside it is complete. */
	cJSON *j = pp_model_to_cjson(m);
	char *s = j ? cJSON_Print(j) : NULL;
	cJSON_Delete(j);
	if (!s)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", dir, MODEL_FILE);
	size_t sl = strlen(s);
	s[sl] = '\n';  /* cJSON_Print's NUL becomes the final newline */
	err = pp_file_write_atomic(path, s, sl + 1);
	free(s);
	if (err)
		return pp_why(why, len, err, "cannot write %s: %s", path, strerror(-err));
	return 0;
}

static char **str_array(const cJSON *a, int *n)
{
	int k = cJSON_GetArraySize(a);
	char **v = calloc((size_t)k + 1, sizeof(*v));
	if (!v)
		return NULL;
	const cJSON *it;
	int i = 0;
	cJSON_ArrayForEach(it, a) {
		const char *s = cJSON_GetStringValue(it);
		if (!s || !(v[i] = strdup(s))) {
			for (int t = 0; t < i; t++)
				free(v[t]);
			free(v);
			return NULL;
		}
		i++;
	}
	*n = k;
	return v;
}

static int num_array(const cJSON *a, int n, double *out)
{
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n)
		return -EBADMSG;
	const cJSON *it;
	int i = 0;
	cJSON_ArrayForEach(it, a) {
		if (cJSON_IsNumber(it))
			out[i++] = it->valuedouble;
		else if (cJSON_IsNull(it))
			out[i++] = NAN;
		else
			return -EBADMSG;
	}
	return 0;
}

/* A fingerprint's row or run count: 0 unless a number a long holds (converting any other
 * double to long is undefined). */
static long count_of(const cJSON *v)
{
	return cJSON_IsNumber(v) && fabs(v->valuedouble) < 0x1p62 ? (long)v->valuedouble : 0;
}

static int load_fingerprints(struct pp_model *m, const cJSON *fps, const char *path, char *why,
			     size_t len)
{
	int n = cJSON_GetArraySize(fps);
	if (fps && !cJSON_IsArray(fps))
		goto bad;
	m->fp = calloc((size_t)n + 1, sizeof(*m->fp));
	if (!m->fp)
		return -ENOMEM;
	const cJSON *o;
	cJSON_ArrayForEach(o, fps) {
		struct pp_fingerprint *fp = &m->fp[m->nfp++];
		const char *w = cJSON_GetStringValue(cJSON_GetObjectItem(o, "workload"));
		const char *f = cJSON_GetStringValue(cJSON_GetObjectItem(o, "family"));
		const char *c = cJSON_GetStringValue(cJSON_GetObjectItem(o, "class"));
		fp->centre = malloc(((size_t)m->nf + 1) * sizeof(double));
		fp->spread = malloc(((size_t)m->nf + 1) * sizeof(double));
		if (!fp->centre || !fp->spread)
			return -ENOMEM;
		if (!w || !f || !c || (strcmp(c, "miner") && strcmp(c, "benign")) ||
		    num_array(cJSON_GetObjectItem(o, "centre"), m->nf, fp->centre) ||
		    num_array(cJSON_GetObjectItem(o, "spread"), m->nf, fp->spread))
			goto bad;
		const char *kn = cJSON_GetStringValue(cJSON_GetObjectItem(o, "knobs"));
		fp->workload = strdup(w);
		fp->family = strdup(f);
		fp->knobs = strdup(kn ? kn : "");
		if (!fp->workload || !fp->family || !fp->knobs)
			return -ENOMEM;
		fp->miner = !strcmp(c, "miner");
		const cJSON *r = cJSON_GetObjectItem(o, "rows"), *u = cJSON_GetObjectItem(o, "runs");
		fp->rows = count_of(r);
		fp->runs = count_of(u);
	}
	return 0;
bad:
	return pp_why(why, len, -EBADMSG, "%s: fingerprint %d is malformed (needs workload, "
		      "family, class, and centre/spread arrays of %d numbers or nulls)", path,
		      m->nfp, m->nf);
}

/* The backends of m that are not in available, comma-separated into buf; returns how many. */
static int missing_backends(const struct pp_model *m, const char *const *available, int navail,
			    char *buf, size_t len)
{
	int k = 0;
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < m->nbackends; i++) {
		bool found = false;
		for (int a = 0; a < navail && !found; a++)
			found = available[a] && strcmp(available[a], m->backends[i]) == 0;
		if (found)
			continue;
		int w = snprintf(buf + used, len - used, "%s%s", k ? ", " : "", m->backends[i]);
		if (w > 0 && (size_t)w < len - used)
			used += (size_t)w;
		k++;
	}
	return k;
}

static char *dir_of(const char *path)
{
	char *d = strdup(path);
	if (!d)
		return NULL;
	char *slash = strrchr(d, '/');
	if (!slash)
		strcpy(d, ".");
	else if (slash == d)
		d[1] = '\0';
	else
		*slash = '\0';
	return d;
}

/* model.json's "booster" is a file name relative to it: neither absolute nor leaving its
 * directory, so a model someone sends cannot point powprint at any other file. */
static bool booster_name_ok(const char *name)
{
	if (name[0] == '/')
		return false;
	for (const char *p = name;; p++) {  /* p: the start of each path component */
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
			return false;
		if (!(p = strchr(p, '/')))
			return true;
	}
}

static int load_booster(struct pp_model *m, const char *bpath, bool names_required, char *why,
			size_t len)
{
	char **names;
	int nnames, nfeat;
	struct stat st;
	if (stat(bpath, &st) < 0)
		return pp_why(why, len, -errno, "cannot open the booster %s: %s (a model "
			      "directory holds booster.json beside model.json)", bpath,
			      strerror(errno));
	if (!S_ISREG(st.st_mode))  /* a directory, or a device or pipe that never ends */
		return pp_why(why, len, -EBADMSG, "the booster %s is not a regular file", bpath);
	int err = pp_booster_load(bpath, &m->booster, &nfeat, &names, &nnames, why, len);
	if (err)
		return err;
	if (names_required) {
		if (!nnames)
			err = pp_why(why, len, -EINVAL, "%s has no feature names, so powprint cannot "
				     "tell which column is which: train it on a pandas DataFrame "
				     "whose columns are the dataset's f.* names, or write a "
				     "model.json beside it (docs/model.md)", bpath);
		m->nf = nnames;
		m->fname = names;
		names = NULL;
	}
	if (!err && nfeat != m->nf)
		err = pp_why(why, len, -EBADMSG, "%s has %d features but model.json lists %d: the "
			     "two files do not belong together", bpath, nfeat, m->nf);
	for (int j = 0; !err && names && j < nnames && j < m->nf; j++)
		if (strcmp(names[j], m->fname[j]) != 0)
			err = pp_why(why, len, -EBADMSG, "%s names feature %d '%s' but model.json "
				     "says '%s': the two files do not belong together", bpath, j,
				     names[j], m->fname[j]);
	for (int j = 0; names && j < nnames; j++)
		free(names[j]);
	free(names);
	return err;
}

static int load_model_json(struct pp_model *m, const cJSON *j, const char *mpath, char *why,
			   size_t len)
{
	const cJSON *fv = cJSON_GetObjectItem(j, "format_version");
	if (!cJSON_IsNumber(fv))
		return pp_why(why, len, -EBADMSG, "%s has no format_version", mpath);
	if (fv->valuedouble > PP_MODEL_FORMAT_VERSION)
		return pp_why(why, len, -EINVAL, "%s has format_version %g; this powprint reads "
			      "version %d: upgrade powprint", mpath, fv->valuedouble,
			      PP_MODEL_FORMAT_VERSION);
	const cJSON *feat = cJSON_GetObjectItem(j, "features");
	const cJSON *ver = cJSON_GetObjectItem(j, "feature_version");
	const cJSON *thr = cJSON_GetObjectItem(j, "threshold");
	const cJSON *bk = cJSON_GetObjectItem(j, "backends");
	if (!cJSON_IsArray(feat) || !cJSON_GetArraySize(feat) || !cJSON_IsNumber(ver) ||
	    !cJSON_IsNumber(thr) || !(thr->valuedouble > 0 && thr->valuedouble < 1) ||
	    (bk && !cJSON_IsArray(bk)))
		return pp_why(why, len, -EBADMSG, "%s is incomplete or corrupt: it needs "
			      "\"features\" (names), \"feature_version\", \"threshold\" in (0, 1) "
			      "and \"backends\" (docs/model.md)", mpath);
	if (!(m->fname = str_array(feat, &m->nf)))
		return pp_why(why, len, -EBADMSG, "%s: \"features\" must be an array of strings",
			      mpath);
	if (!(m->backends = str_array(bk, &m->nbackends)))
		return pp_why(why, len, -EBADMSG, "%s: \"backends\" must be an array of strings",
			      mpath);
	m->feature_version = ver->valueint;
	m->threshold = thr->valuedouble;
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(j, "threshold_rule"));
	m->threshold_rule = strdup(s ? s : "");
	s = cJSON_GetStringValue(cJSON_GetObjectItem(j, "created"));
	m->created = strdup(s ? s : "");
	const cJSON *r = cJSON_GetObjectItem(j, "rounds");
	m->rounds = cJSON_IsNumber(r) ? r->valueint : 0;
	const cJSON *p = cJSON_GetObjectItem(j, "params"), *t = cJSON_GetObjectItem(j, "training");
	m->params = p ? cJSON_Duplicate(p, 1) : cJSON_CreateObject();
	m->training = t ? cJSON_Duplicate(t, 1) : cJSON_CreateObject();
	if (!m->threshold_rule || !m->created || !m->params || !m->training)
		return -ENOMEM;
	return load_fingerprints(m, cJSON_GetObjectItem(j, "fingerprints"), mpath, why, len);
}

int pp_model_load(const char *path, const char *const *available, int navailable,
		  struct pp_model **out, char *why, size_t len)
{
	if (!path || !out || navailable < 0)
		return -EINVAL;
	char mpath[PATH_MAX], bpath[PATH_MAX];
	struct stat st;
	if (stat(path, &st) < 0)
		return pp_why(why, len, -errno, "cannot open model %s: %s (a model is the "
			      "directory `powprint train --output` wrote)", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		snprintf(mpath, sizeof(mpath), "%s/%s", path, MODEL_FILE);
	else
		snprintf(mpath, sizeof(mpath), "%s", path);
	char *buf;
	size_t n;
	int err = pp_file_read(mpath, &buf, &n);
	if (err == -ENOENT && S_ISDIR(st.st_mode))
		return pp_why(why, len, err, "%s is not a model directory: it has no model.json "
			      "(`powprint train --output` writes one)", path);
	if (err)
		return pp_why(why, len, err, "cannot read %s: %s", mpath, strerror(-err));
	cJSON *j = cJSON_ParseWithLength(buf, n);
	free(buf);
	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return pp_why(why, len, -EBADMSG, "%s is not valid JSON: the model file is corrupt "
			      "or truncated; train it again or copy it again", mpath);
	}
	struct pp_model *m = calloc(1, sizeof(*m));
	if (!m) {
		cJSON_Delete(j);
		return -ENOMEM;
	}
	const char *fmt = cJSON_GetStringValue(cJSON_GetObjectItem(j, "format"));
	bool bare = !fmt && cJSON_IsObject(cJSON_GetObjectItem(j, "learner"));
	if (bare) {
		/* A booster trained elsewhere (Python): features from its own names. */
		snprintf(bpath, sizeof(bpath), "%s", mpath);
		m->threshold = 0.5;
		m->threshold_rule = strdup("default 0.5 (bare xgboost booster)");
		m->params = cJSON_CreateObject();
		m->training = cJSON_CreateObject();
		err = (m->threshold_rule && m->params && m->training) ? 0 : -ENOMEM;
		if (!err)
			err = load_booster(m, bpath, true, why, len);
		goto done;
	}
	if (!fmt || strcmp(fmt, PP_MODEL_FORMAT) != 0) {
		err = pp_why(why, len, -EBADMSG, "%s is not a powprint model: its \"format\" is "
			     "%s%s%s, expected \"%s\" (or an xgboost JSON booster)", mpath,
			     fmt ? "\"" : "", fmt ? fmt : "missing", fmt ? "\"" : "",
			     PP_MODEL_FORMAT);
		goto done;
	}
	if ((err = load_model_json(m, j, mpath, why, len)))
		goto done;
	char miss[512];
	if (available && missing_backends(m, available, navailable, miss, sizeof(miss))) {
		err = pp_why(why, len, -EOPNOTSUPP, "model %s needs the backend(s) %s, which this "
			     "machine does not provide (see `powprint info`); use a model trained "
			     "with --backends limited to what is available here", path, miss);
		goto done;
	}
	const char *bname = cJSON_GetStringValue(cJSON_GetObjectItem(j, "booster"));
	if (bname && !booster_name_ok(bname)) {
		err = pp_why(why, len, -EBADMSG, "%s: \"booster\" is '%s'; it must name a file in "
			     "the model's directory (docs/model.md)", mpath, bname);
		goto done;
	}
	char *d = dir_of(mpath);
	if (!d) {
		err = -ENOMEM;
		goto done;
	}
	snprintf(bpath, sizeof(bpath), "%s/%s", d, bname && *bname ? bname : BOOSTER_FILE);
	free(d);
	err = load_booster(m, bpath, false, why, len);
done:
	cJSON_Delete(j);
	if (!err && !(m->booster_file = strdup(bpath)))
		err = -ENOMEM;
	if (err) {
		pp_model_free(m);
		return err;
	}
	*out = m;
	return 0;
}
