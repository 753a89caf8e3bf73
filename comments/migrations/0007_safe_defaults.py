"""Safe out of the box: starter English word lists, and thresholds that hold before rejecting.

The lists are data: moderators edit them in the admin ("Moderated terms"). Matching
is whole-word and sees through dots, spaces, digits for letters, repeated letters,
accents, look-alike letters, "ph" for "f" and "*" for a letter (comments.moderation);
a trailing "*" also matches the word's English inflections ("fuck*": "fuckers",
"fucking"). Variants the matcher cannot infer are listed on their own ("fuk").

Banned terms reject a comment; suspect terms hold it for a moderator. Words with an
innocent sense ("cock", "dick", "fag", "chink", "spic", "pussy") are suspect, never
banned, and none of them takes inflections where an ending makes another word
("cocker", "spicy").

Moderation settings still at the old defaults (nobody changed them) move to the new
ones: two approved comments before a new commenter is published without a moderator,
hold at a toxicity score of 0.8, reject without a human only at 0.97.
"""

from django.db import migrations, models

BANNED = [
    # Profanity, with the inflections and spellings people use.
    "fuck*",
    "fucker*",
    "fuckhead*",
    "fuckwit*",
    "fuckface*",
    "motherfucker*",
    "motherfucking",
    "fuk*",
    "fuq*",
    "fck*",
    "fcuk*",
    "phuk*",
    "stfu",
    "gtfo",
    "shit*",
    "shite",
    "bullshit*",
    "shithead*",
    "shitstain*",
    "cunt*",
    "twat*",
    "wanker*",
    "asshole*",
    "arsehole*",
    "dickhead*",
    "cocksucker*",
    "bitch*",
    "bastard*",
    "whore*",
    "slut*",
    "jackass*",
    # Slurs.
    "nigger*",
    "nigga*",
    "faggot*",
    "kike*",
    "wetback*",
    "raghead*",
    "towelhead*",
    "paki*",
    "gook*",
    "tranny",
    "trannies",
    # Threats.
    "kill yourself",
    "kill urself",
    "go kill yourself",
    "hope you die",
    "i will kill you",
]

SUSPECT = [
    # Insults: a moderator decides whether it is an argument or an attack.
    "idiot*",
    "idiotic",
    "moron*",
    "moronic",
    "imbecile*",
    "cretin*",
    "dumbass*",
    "dumb ass",
    "scum",
    "scumbag*",
    "retard*",
    "loser*",
    "shut up",
    "piss*",
    "pissed off",
    "crap",
    "crappy",
    "wtf",
    "bollocks",
    "bugger",
    "prick",
    "pricks",
    "douche*",
    "douchebag*",
    "arse",
    "ass",
    "asses",
    "tits",
    "dick",
    "dicks",
    "cock",
    "cocks",
    "pussy",
    "fag",
    "fags",
    "chink",
    "spic",
    "kys",
    # Threats that need a reader's context.
    "kill you",
    "die in a fire",
    "deserve to die",
    "should be shot",
    "hang them",
]

OLD = {"premoderate_below": 0, "toxicity_hold": 0.6, "toxicity_reject": 0.95}
NEW = {"premoderate_below": 2, "toxicity_hold": 0.8, "toxicity_reject": 0.97}


def add_terms(apps, schema_editor):
    ModeratedTerm = apps.get_model("comments", "ModeratedTerm")
    for kind, terms in (("banned", BANNED), ("suspect", SUSPECT)):
        for term in terms:
            ModeratedTerm.objects.get_or_create(kind=kind, term=term)


def remove_terms(apps, schema_editor):
    ModeratedTerm = apps.get_model("comments", "ModeratedTerm")
    for kind, terms in (("banned", BANNED), ("suspect", SUSPECT)):
        ModeratedTerm.objects.filter(kind=kind, term__in=terms).delete()


def _move_settings(apps, before, after):
    ModerationSettings = apps.get_model("comments", "ModerationSettings")
    ModerationSettings.objects.filter(**before).update(**after)


def new_settings(apps, schema_editor):
    _move_settings(apps, OLD, NEW)


def old_settings(apps, schema_editor):
    _move_settings(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0006_comment_revisions_for_moderators"),
    ]

    operations = [
        migrations.AlterField(
            model_name="moderationsettings",
            name="premoderate_below",
            field=models.PositiveSmallIntegerField(
                default=2,
                help_text="Hold a new commenter's comments until this many are approved (0: off).",
            ),
        ),
        migrations.AlterField(
            model_name="moderationsettings",
            name="toxicity_hold",
            field=models.FloatField(default=0.8, help_text="Hold at or above this score."),
        ),
        migrations.AlterField(
            model_name="moderationsettings",
            name="toxicity_reject",
            field=models.FloatField(
                default=0.97, help_text="Reject at or above this score, without a moderator."
            ),
        ),
        migrations.RunPython(add_terms, remove_terms),
        migrations.RunPython(new_settings, old_settings),
    ]
