// Seccomp load cost: see bench/README.md ("Seccomp: load cost per container").
// probe FILE... : per program, N forks that each load it with seccomp(2) and exit;
// prints median per-fork wall and child CPU (us) over rounds, interleaved.
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
static double cpu(void){struct rusage r;getrusage(RUSAGE_CHILDREN,&r);return r.ru_utime.tv_sec+r.ru_stime.tv_sec+(r.ru_utime.tv_usec+r.ru_stime.tv_usec)/1e6;}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){
  int n=atoi(argv[1]), rounds=atoi(argv[2]), np=argc-3;
  struct sock_fprog progs[16];
  for(int i=0;i<np;i++){FILE*f=fopen(argv[i+3],"rb");static char buf[16][65536];size_t l=fread(buf[i],1,sizeof buf[i],f);fclose(f);
    progs[i].len=l/8;progs[i].filter=(struct sock_filter*)buf[i];}
  double w[16][64],c[16][64];
  for(int r=0;r<rounds;r++)for(int k=0;k<np;k++){int i=(k+r)%np;double t0=now(),c0=cpu();
    for(int j=0;j<n;j++){pid_t p=fork();if(!p){prctl(PR_SET_NO_NEW_PRIVS,1,0,0,0);
      if(syscall(SYS_seccomp,SECCOMP_SET_MODE_FILTER,0,&progs[i]))_exit(3);_exit(0);}
      int st;waitpid(p,&st,0);if(st){fprintf(stderr,"child %d status %d\n",i,st);return 1;}}
    w[i][r]=(now()-t0)/n*1e6;c[i][r]=(cpu()-c0)/n*1e6;}
  for(int i=0;i<np;i++){qsort(w[i],rounds,sizeof(double),cmp);qsort(c[i],rounds,sizeof(double),cmp);
    printf("%-40s %5d insns: wall %7.1f us  child cpu %7.1f us\n",argv[i+3],progs[i].len,w[i][rounds/2],c[i][rounds/2]);}
}
