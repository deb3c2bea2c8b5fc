/*
 * Generated run names, "<adjective>-<noun>-<NNN>" like MLflow's, for runs started without a name.
 */
#include <stdio.h>
#include <string.h>

#include "runs/runs_int.h"

static const char *const adjectives[] = {
	"able", "amazing", "bold", "brave", "bright", "calm", "capable", "clean", "clever", "crisp", "dapper", "eager",
	"fast", "fearless", "gentle", "glamorous", "honest", "keen", "kind", "lively", "loud", "lucky", "merciful",
	"mysterious", "nimble", "polite", "quick", "quiet", "rare", "resilient", "rogue", "sedate", "shy", "silent",
	"smiling", "spiffy", "stately", "suave", "sunny", "tasteful", "thoughtful", "unique", "upbeat", "valuable",
	"vaunted", "victorious", "welcoming", "wise", "witty", "youthful",
};

static const char *const nouns[] = {
	"ant", "ape", "asp", "bat", "bear", "bee", "bird", "boar", "bug", "calf", "carp", "cat", "colt", "conch", "cow",
	"crab", "crane", "croc", "crow", "cub", "deer", "doe", "dog", "dolphin", "donkey", "dove", "duck", "eel", "elk",
	"fawn", "finch", "fish", "flea", "fly", "foal", "fowl", "fox", "frog", "gnat", "gnu", "goat", "goose", "grouse",
	"grub", "gull", "hare", "hawk", "hen", "hog", "horse", "hound", "jay", "kit", "kite", "koi", "lamb", "lark",
	"loon", "lynx", "mare", "midge", "mink", "mole", "moose", "moth", "mouse", "mule", "newt", "owl", "ox", "panda",
	"penguin", "perch", "pig", "pug", "quail", "ram", "rat", "ray", "robin", "roo", "rook", "seal", "shad", "shark",
	"sheep", "shoat", "shrew", "shrike", "shrimp", "skink", "skunk", "sloth", "slug", "smelt", "snail", "snake",
	"snipe", "sow", "sponge", "squid", "squirrel", "stag", "steed", "stoat", "stork", "swan", "tern", "toad",
	"trout", "turtle", "vole", "wasp", "whale", "wolf", "worm", "wren", "yak", "zebra",
};

int mlops_runs__generate_name(char *out, size_t cap)
{
	char hex[MLOPS_OID_BUFSIZE];
	int rc = mlops__random_hex32(hex);
	if (rc)
		return rc;
	uint64_t r = 0;
	for (int i = 0; i < 16; i++) {
		char c = hex[i];
		r = (r << 4) | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	size_t na = sizeof(adjectives) / sizeof(adjectives[0]);
	size_t nn = sizeof(nouns) / sizeof(nouns[0]);
	const char *adj = adjectives[r % na];
	r /= na;
	const char *noun = nouns[r % nn];
	r /= nn;
	snprintf(out, cap, "%s-%s-%03u", adj, noun, (unsigned)(r % 1000));
	return 0;
}
