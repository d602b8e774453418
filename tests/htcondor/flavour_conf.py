"""One queue per HTCondor flavour, written as 2.4 sites wrote them, and the lines 2.4 put in their
submit files for that configuration, in 2.4's order (each flavour's ``_addJSD`` adds its lines, then
its parent's; the custom attributes follow; a command set twice keeps its first place and its last
value, as HTCondor reads a file with repeated commands)."""

from __future__ import annotations

from tests.htcondor.helpers import DAY, LOG_URL

QUEUES = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
executable = /usr/libexec/apf/runpilot3-wrapper.sh
executable.arguments = -s ANALY_TEST -h ANALY_TEST -p 25443 -w https://pandaserver.cern.ch
monitorsection = apfmon
batchsubmit.condorbase.environ = RUCIO_ACCOUNT=pilot

[local]
batchsubmitplugin = CondorLocal
batchsubmit.condorlocal.proxy = atlas-production

[grid]
batchsubmitplugin = CondorGrid
batchsubmit.condorgrid.proxy = atlas-production

[ce]
batchsubmitplugin = CondorCE
batchsubmit.condorce.proxy = atlas-production

[osgce]
batchsubmitplugin = CondorOSGCE
batchsubmit.condorosgce.gridresource = ce.example.org
batchsubmit.condorosgce.proxy = atlas-pilot, atlas-production
batchsubmit.condorosgce.condor_attributes = +maxMemory=2000,+xcount=8,+voactivity="production"
batchsubmit.condorosgce.condor_attributes.+remote_queue = "default"

[arc]
batchsubmitplugin = CondorNordugrid
batchsubmit.condornordugrid.gridresource = arc.example.org
batchsubmit.condornordugrid.proxy = atlas-production
nordugridrsl.jobname = 'arc_pilot'
nordugridrsl.queue = grid
nordugridrsl.nordugridrsladd = (runtimeenvironment = APPS/HEP/ATLAS-SITE-LCG)(runtimeenvironment = ENV/PROXY)
nordugridrsl.addenv.RUCIO_ACCOUNT = pilot

[cream]
batchsubmitplugin = CondorCREAM
batchsubmit.condorcream.webservice = cream.example.org
batchsubmit.condorcream.port = 8443
batchsubmit.condorcream.batch = pbs
batchsubmit.condorcream.queue = atlas
batchsubmit.condorcream.proxy = atlas-production

[gram]
batchsubmitplugin = CondorGRAM
batchsubmit.condorgram.proxy = atlas-production
batchsubmit.condorgram.gram.queue = atlas

[gt2]
batchsubmitplugin = CondorGT2
batchsubmit.condorgt2.gridresource = gk.example.org/jobmanager-condor
batchsubmit.condorgt2.proxy = atlas-production
globusrsl.gram2.queue = atlas
globusrsl.gram2.maxWallTime = 2880
globusrsl.gram2.globusrsladd = (jobtype=single)

[gt5]
batchsubmitplugin = CondorGT5
batchsubmit.condorgt5.gridresource = gk5.example.org/jobmanager-pbs
batchsubmit.condorgt5.proxy = atlas-production
globusrsl.gram5.globusrsl = (queue=long)(jobtype=single)

[pbs]
batchsubmitplugin = CondorPBS
batchsubmit.condorpbs.proxy = atlas-production

[lsf]
batchsubmitplugin = CondorLSF
batchsubmit.condorlsf.proxy = atlas-production

[ec2]
batchsubmitplugin = CondorEC2
batchsubmit.condorec2.gridresource = https://ec2.us-east-1.amazonaws.com/
batchsubmit.condorec2.ami_id = ami-0123456789abcdef0
batchsubmit.condorec2.instance_type = m5.large
batchsubmit.condorec2.access_key_id = /srv/apf/ec2/access.key
batchsubmit.condorec2.secret_access_key = /srv/apf/ec2/secret.key
batchsubmit.condorec2.security_groups = apf-workers
batchsubmit.condorec2.spot_price = 0.05
batchsubmit.condorec2.user_data_file = /srv/apf/ec2/user-data.sh

[ssh]
batchsubmitplugin = CondorSSH
batchsubmit.condorssh.batch = slurm
batchsubmit.condorssh.host = login.example.org
batchsubmit.condorssh.user = apf
batchsubmit.condorssh.authprofile = bosco-key
"""

FLAVOURS = {
    "local": "CondorLocal",
    "grid": "CondorGrid",
    "ce": "CondorCE",
    "osgce": "CondorOSGCE",
    "arc": "CondorNordugrid",
    "cream": "CondorCREAM",
    "gram": "CondorGRAM",
    "gt2": "CondorGT2",
    "gt5": "CondorGT5",
    "pbs": "CondorPBS",
    "lsf": "CondorLSF",
    "ec2": "CondorEC2",
    "ssh": "CondorSSH",
}

PROXY = "x509userproxy = /srv/apf/proxy/atlas-production.pem"
ARGS = "-s ANALY_TEST -h ANALY_TEST -p 25443 -w https://pandaserver.cern.ch"
JOBID = "$ENV(HOSTNAME)#$(Cluster).$(Process)"


def env_24(q: str) -> str:
    """2.4's ``environment`` line for queue ``q`` (CondorBase: the APF variables, then ``environ``)."""
    url = f"{LOG_URL}/{DAY}/{q}"
    return (
        f'environment = "PANDA_JSID=TEST-apf GTAG={url}/$(Cluster).$(Process).out APFCID=$(Cluster).$(Process) '
        f"APFFID=TEST-apf FACTORY_JOBID={JOBID} APFMON=http://apfmon.example.org/api FACTORYQUEUE={q} "
        'FACTORYUSER=apf RUCIO_ACCOUNT=pilot"'
    )


def base_lines(q: str, executable: str = "/usr/libexec/apf/runpilot3-wrapper.sh") -> list[str]:
    """CondorBase's lines for queue ``q``, in 2.4's order."""
    url = f"{LOG_URL}/{DAY}/{q}"
    return [
        f"Dir = /srv/apf/logs/{DAY}/{q}/",
        "notify_user = admin@example.org",
        f'+MATCH_APF_QUEUE = "{q}"',
        f'+APF_QUEUE = "{q}"',
        f'+FACTORY_JOBID = "{JOBID}"',
        f'+APF_LOGURL = "{url}/$(Cluster).$(Process).log"',
        f'+APF_OUTURL = "{url}/$(Cluster).$(Process).out"',
        f'+APF_ERRURL = "{url}/$(Cluster).$(Process).err"',
        env_24(q),
        f"executable = {executable}",
        f"arguments = {ARGS}",
        "output = $(Dir)/$(Cluster).$(Process).out",
        "error = $(Dir)/$(Cluster).$(Process).err",
        "log = $(Dir)/$(Cluster).$(Process).log",
        "stream_output = False",
        "stream_error = False",
        "notification = Error",
        "transfer_executable = True",
    ]


GRID = ["universe = grid", PROXY]
CE = ["+Nonessential = True", *GRID]
GRAM = ["copy_to_spool = True", *CE]

# the ARC RSL 2.4 built: the nordugridrsl.<key> items in key order, nordugridrsladd, then its
# environment block (its spacing included)
ARC_RSL_24 = (
    "(jobname = 'arc_pilot')(queue = grid)"
    "(runtimeenvironment = APPS/HEP/ATLAS-SITE-LCG)(runtimeenvironment = ENV/PROXY)"
    " (environment = ('APFFID' 'TEST-apf') ('PANDA_JSID' 'TEST-apf') ('APFCID' '$(Cluster).$(Process)') "
    f" ('GTAG' '{LOG_URL}/{DAY}/arc/$(Cluster).$(Process).out') ('APFMON' 'http://apfmon.example.org/api') "
    "('FACTORYQUEUE' 'arc') ('FACTORYUSER' 'apf')   ('RUCIO_ACCOUNT' 'pilot') )"
)

LINES_24: dict[str, list[str]] = {
    # 2.4's CondorLocal never wrote x509userproxy (its proxy lookup was never called)
    "local": [
        "universe = vanilla",
        "should_transfer_files = IF_NEEDED",
        '+TransferOutput = ""',
        *base_lines("local"),
    ],
    "grid": [*GRID, *base_lines("grid")],
    "ce": [*CE, *base_lines("ce")],
    "osgce": [
        "grid_resource = condor ce.example.org ce.example.org:9619",
        '+TransferOutput = ""',
        "+Nonessential = True",
        "universe = grid",
        "x509userproxy = /srv/apf/proxy/atlas-pilot.pem",
        *base_lines("osgce"),
        "+maxMemory = 2000",
        "+xcount = 8",
        '+voactivity = "production"',
        '+remote_queue = "default"',
    ],
    "arc": [
        "grid_resource = nordugrid arc.example.org",
        f"nordugrid_rsl = {ARC_RSL_24}",
        *CE,
        *base_lines("arc"),
    ],
    "cream": [
        "grid_resource = cream cream.example.org:8443/ce-cream/services/CREAM2 pbs atlas",
        *CE,
        *base_lines("cream"),
    ],
    "gram": ["globusrsl = (queue=atlas)", *GRAM, *base_lines("gram")],
    "gt2": [
        "grid_resource = gt2 gk.example.org/jobmanager-condor",
        "globusrsl = (queue=atlas)(maxWallTime=2880)(jobtype=single)",
        *GRAM,
        *base_lines("gt2"),
    ],
    "gt5": [
        "grid_resource = gt5 gk5.example.org/jobmanager-pbs",
        "globusrsl = (queue=long)(jobtype=single)",
        *GRAM,
        *base_lines("gt5"),
    ],
    "pbs": ["grid_resource = pbs", *GRID, *base_lines("pbs")],
    "lsf": ["grid_resource = lsf", *GRID, *base_lines("lsf")],
    # CondorEC2 adds its lines after CondorBase's; its executable replaces the wrapper
    "ec2": [
        *base_lines("ec2", executable="ec2"),
        "universe = grid",
        "grid_resource = ec2 https://ec2.us-east-1.amazonaws.com/",
        "ec2_access_key_id = /srv/apf/ec2/access.key",
        "ec2_secret_access_key = /srv/apf/ec2/secret.key",
        "ec2_ami_id = ami-0123456789abcdef0",
        "ec2_instance_type = m5.large",
        "ec2_user_data_file = /srv/apf/ec2/user-data.sh",
        "ec2_spot_price = 0.050000",
        "ec2_security_groups = apf-workers",
    ],
    # 2.4 wrote no --rgahp-pass, although the profile has a passphrase file
    "ssh": [
        "universe = grid",
        "grid_resource = batch slurm apf@login.example.org --rgahp-key /srv/apf/ssh/bosco-key",
        '+TransferOutput = ""',
        *base_lines("ssh"),
    ],
}
